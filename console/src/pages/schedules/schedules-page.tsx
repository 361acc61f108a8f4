/**
 * Schedules (PRODUCT §6, §11): "Upcoming" (scheduled, recurring, recurring paused, processing), "All",
 * and the templates saved when schedules were cancelled (start a new schedule from one). Each entry
 * shows its next fire in its own timezone and in the organisation's.
 */
import Button from '@cloudscape-design/components/button';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table, { type TableProps } from '@cloudscape-design/components/table';
import Tabs from '@cloudscape-design/components/tabs';
import { useState } from 'react';
import { useSearchParams } from 'react-router';

import type { Schedule, ScheduleTemplate } from '../../api/models';
import { atLeast } from '../../auth/identity';
import { ConfirmModal } from '../../common/confirm';
import { formatTime, personLabel } from '../../common/labels';
import { useCursorPages } from '../../common/cursor-pages';
import { RouterLink, useFollow } from '../../common/links';
import { useIdentity } from '../../common/session';
import { usePageTitle } from '../../common/shell';
import { tableLabels } from '../../common/strings';
import { TableEmptyState } from '../../common/table-states';
import { useOrganisation } from '../../hooks/organisation';
import { useDeleteScheduleTemplate, useScheduleTemplates, useSchedulesPage } from '../../hooks/schedules';
import { describeConfig, KIND_LABEL } from './schedule-form';
import { FireTime, RunOutcome, ScheduleStatus } from './schedule-views';

type View = 'upcoming' | 'all' | 'templates';

function columns(organisationTimezone: string | undefined): TableProps.ColumnDefinition<Schedule>[] {
  return [
    { id: 'name', header: 'Name', cell: (item) => <RouterLink href={`/schedules/${item.id}`}>{item.name}</RouterLink>, isRowHeader: true },
    { id: 'kind', header: 'What', cell: (item) => `${KIND_LABEL[item.config.kind]}: ${describeConfig(item.config)}`, maxWidth: 280 },
    { id: 'status', header: 'Status', cell: (item) => <ScheduleStatus status={item.status} />, minWidth: 180 },
    {
      id: 'next',
      header: 'Next fire',
      cell: (item) => <FireTime iso={item.next_fire} timezone={item.timing.timezone} organisationTimezone={organisationTimezone} />,
    },
    { id: 'timing', header: 'Timing', cell: (item) => item.timing.description },
    { id: 'last', header: 'Last run', cell: (item) => (item.last_run ? <RunOutcome run={item.last_run} /> : '-') },
  ];
}

function SchedulesTable({ view, admin }: { view: 'upcoming' | 'all'; admin: boolean }) {
  const follow = useFollow();
  const organisation = useOrganisation();
  const pages = useCursorPages();
  const query = useSchedulesPage(view, pages.cursor);
  const items = query.data?.items ?? [];
  const next = query.data?.next_cursor ?? null;
  return (
    <Table
      variant="borderless"
      wrapLines
      enableKeyboardNavigation
      ariaLabels={tableLabels(view === 'upcoming' ? 'Upcoming schedules' : 'All schedules')}
      columnDefinitions={columns(organisation.data?.timezone)}
      items={items}
      trackBy="id"
      loading={query.isPending}
      loadingText="Loading schedules"
      pagination={pages.pagination(next)}
      empty={
        <TableEmptyState
          title={view === 'upcoming' ? 'Nothing upcoming' : 'No schedules'}
          body="A schedule runs a distribution, sends a batch or retrieves idle cards, once or on a recurring timing."
          action={
            admin ? (
              <Button href="/schedules/new" onFollow={follow}>
                New schedule
              </Button>
            ) : undefined
          }
        />
      }
    />
  );
}

function TemplatesTable({ admin }: { admin: boolean }) {
  const follow = useFollow();
  const templates = useScheduleTemplates();
  const remove = useDeleteScheduleTemplate();
  const [deleting, setDeleting] = useState<ScheduleTemplate | null>(null);
  const cols: TableProps.ColumnDefinition<ScheduleTemplate>[] = [
    { id: 'name', header: 'Template', cell: (item) => item.name, isRowHeader: true },
    { id: 'kind', header: 'What', cell: (item) => `${KIND_LABEL[item.config.kind]}: ${describeConfig(item.config)}` },
    { id: 'saved', header: 'Saved', cell: (item) => `${formatTime(item.saved_at)} by ${personLabel(item.saved_by, item.saved_by_email)}` },
    {
      id: 'actions',
      header: 'Actions',
      cell: (item) => (
        <SpaceBetween direction="horizontal" size="xs">
          <Button
            variant="inline-link"
            href={`/schedules/new?template=${encodeURIComponent(item.id)}`}
            onFollow={follow}
            disabled={!admin}
            disabledReason="Creating schedules needs the admin role."
            ariaLabel={`New schedule from ${item.name}`}
          >
            New schedule from it
          </Button>
          <Button variant="inline-link" onClick={() => setDeleting(item)} disabled={!admin} ariaLabel={`Delete template ${item.name}`}>
            Delete
          </Button>
        </SpaceBetween>
      ),
    },
  ];
  return (
    <>
      <Table
        variant="borderless"
        ariaLabels={tableLabels('Schedule templates')}
        columnDefinitions={cols}
        items={templates.data ?? []}
        trackBy="id"
        loading={templates.isPending}
        loadingText="Loading templates"
        empty={<TableEmptyState title="No templates" body={'Cancel a schedule with "Save as template" to keep its configuration here.'} />}
      />
      {deleting && (
        <ConfirmModal
          visible
          title={`Delete the template "${deleting.name}"?`}
          confirmLabel="Delete"
          busy={remove.isPending}
          onCancel={() => setDeleting(null)}
          onConfirm={() => remove.mutate(deleting.id, { onSuccess: () => setDeleting(null) })}
        >
          The template is removed. Schedules made from it keep their own configuration.
        </ConfirmModal>
      )}
    </>
  );
}

export default function SchedulesPage() {
  usePageTitle([{ text: 'Schedules', href: '/schedules' }]);
  const follow = useFollow();
  const who = useIdentity();
  const admin = atLeast(who.role, 'admin');
  const [query, setQuery] = useSearchParams();
  const raw = query.get('view');
  const view: View = raw === 'all' || raw === 'templates' ? raw : 'upcoming';
  return (
    <SpaceBetween size="m">
      <Header
        variant="h1"
        description="Distributions, batch sends and retrievals that run later or on a recurring timing."
        actions={
          <Button
            variant="primary"
            href="/schedules/new"
            onFollow={follow}
            disabled={!admin}
            disabledReason="Creating schedules needs the admin role."
          >
            New schedule
          </Button>
        }
      >
        Schedules
      </Header>
      <Tabs
        activeTabId={view}
        onChange={({ detail }) => setQuery(detail.activeTabId === 'upcoming' ? {} : { view: detail.activeTabId })}
        ariaLabel="Schedule lists"
        tabs={[
          { id: 'upcoming', label: 'Upcoming', content: view === 'upcoming' && <SchedulesTable view="upcoming" admin={admin} /> },
          { id: 'all', label: 'All', content: view === 'all' && <SchedulesTable view="all" admin={admin} /> },
          { id: 'templates', label: 'Templates', content: view === 'templates' && <TemplatesTable admin={admin} /> },
        ]}
      />
    </SpaceBetween>
  );
}

/**
 * Flash messages: the outcome of every action and every API error, in words (the API's
 * `error.message`), shown in the AppLayout's notifications slot. Never a blank page.
 */
import Flashbar, { type FlashbarProps } from '@cloudscape-design/components/flashbar';
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

import { flashbarLabels, LABELS } from './strings';

export interface Notice {
  type: 'success' | 'error' | 'info' | 'warning';
  header?: string;
  content: ReactNode;
  /** A stable id replaces an earlier notice with the same id instead of stacking a copy. */
  id?: string;
}

interface Notifications {
  notify(notice: Notice): void;
  dismiss(id: string): void;
  items: FlashbarProps.MessageDefinition[];
}

const NotificationsContext = createContext<Notifications | null>(null);
let counter = 0;

export function NotificationsProvider({ children }: { children: ReactNode }) {
  const [notices, setNotices] = useState<(Notice & { id: string })[]>([]);
  const dismiss = useCallback((id: string) => setNotices((all) => all.filter((notice) => notice.id !== id)), []);
  const notify = useCallback((notice: Notice) => {
    counter += 1;
    const id = notice.id ?? `notice-${counter}`;
    setNotices((all) => [...all.filter((item) => item.id !== id), { ...notice, id }].slice(-5));
  }, []);
  const value = useMemo<Notifications>(
    () => ({
      notify,
      dismiss,
      items: notices.map((notice) => ({
        id: notice.id,
        type: notice.type,
        header: notice.header,
        content: notice.content,
        dismissible: true,
        dismissLabel: LABELS.dismiss,
        onDismiss: () => dismiss(notice.id),
      })),
    }),
    [notices, notify, dismiss],
  );
  return <NotificationsContext.Provider value={value}>{children}</NotificationsContext.Provider>;
}

export function useNotifications(): Notifications {
  const notifications = useContext(NotificationsContext);
  if (!notifications) {
    throw new Error('useNotifications outside a NotificationsProvider');
  }
  return notifications;
}

export function NotificationsBar() {
  const { items } = useNotifications();
  return <Flashbar items={items} i18nStrings={flashbarLabels} stackItems={items.length > 3} />;
}

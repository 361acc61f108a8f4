/**
 * Every ARIA label and recurring word of the console, in one place (STYLE 17): tables, filters,
 * pagination, flash messages and navigation take theirs from here.
 */
import type { AppLayoutProps } from '@cloudscape-design/components/app-layout';
import type { FileUploadProps } from '@cloudscape-design/components/file-upload';
import type { FlashbarProps } from '@cloudscape-design/components/flashbar';
import type { PaginationProps } from '@cloudscape-design/components/pagination';
import type { TableProps } from '@cloudscape-design/components/table';

export const PRODUCT = 'Batch Dispatch';

export const appLayoutLabels: AppLayoutProps.Labels = {
  navigation: 'Side navigation',
  navigationToggle: 'Open side navigation',
  navigationClose: 'Close side navigation',
  notifications: 'Notifications',
  tools: 'Help panel',
  toolsToggle: 'Open help panel',
  toolsClose: 'Close help panel',
};

export const flashbarLabels: FlashbarProps.I18nStrings = {
  ariaLabel: 'Notifications',
  notificationBarAriaLabel: 'View all notifications',
  notificationBarText: 'Notifications',
  errorIconAriaLabel: 'Error',
  warningIconAriaLabel: 'Warning',
  successIconAriaLabel: 'Success',
  infoIconAriaLabel: 'Information',
  inProgressIconAriaLabel: 'In progress',
};

/** The one-file upload of a recipients or contacts file. */
export const fileUploadStrings: FileUploadProps.I18nStrings = {
  uploadButtonText: () => 'Choose file',
  dropzoneText: () => 'Drop a file to upload',
  removeFileAriaLabel: () => 'Remove the file',
  limitShowFewer: 'Show fewer files',
  limitShowMore: 'Show more files',
  errorIconAriaLabel: 'Error',
  warningIconAriaLabel: 'Warning',
};

export const paginationLabels: PaginationProps.Labels = {
  nextPageLabel: 'Next page',
  previousPageLabel: 'Previous page',
  pageLabel: (pageNumber) => `Page ${pageNumber}`,
  paginationLabel: 'Pages',
};

export function tableLabels<T>(resource: string): TableProps.AriaLabels<T> {
  return {
    tableLabel: resource,
    selectionGroupLabel: `${resource} selection`,
    allItemsSelectionLabel: () => `Select all ${resource.toLowerCase()}`,
    itemSelectionLabel: (_selection, item) => `Select ${String((item as { name?: string; id?: string }).name ?? (item as { id?: string }).id ?? '')}`,
  };
}

export function sortLabel(header: string): TableProps.ColumnDefinition<unknown>['ariaLabel'] {
  return ({ sorted, descending }) =>
    `${header}, ${sorted ? `sorted ${descending ? 'descending' : 'ascending'}` : 'not sorted'}`;
}

export const LABELS = {
  dismiss: 'Dismiss message',
  batches: {
    table: 'Batches',
    search: 'Search batches by name',
    searchPlaceholder: 'Find batches by name',
    searchClear: 'Clear search',
    statusFilter: 'Filter by status',
    statusFilterPlaceholder: 'Statuses',
    refresh: 'Refresh batches',
    create: 'New batch',
  },
  newBatch: {
    process: 'Process',
    exampleCsv: 'Download the example file (CSV)',
    exampleXlsx: 'Download the example file (Excel)',
    name: 'Batch name',
    autoDistribute: 'Send automatically after approval',
    file: 'Recipients file',
    upload: 'Upload and validate',
    progress: 'Upload progress',
    rowErrors: 'Row errors',
  },
  batch: {
    actions: 'Batch actions',
    cards: 'Cards',
    cardStatusFilter: 'Filter cards by status',
    histogram: 'Cards by status',
    samples: 'Rendered samples',
    emailPreview: (row: number) => `Email preview for row ${row}`,
  },
  card: {
    distribute: 'Distribute card',
    address: "Recipient's address",
  },
  processes: {
    table: 'Processes',
    create: 'Create process',
    fields: 'Fields',
    addField: 'Add field',
    removeField: (index: number) => `Remove field ${index + 1}`,
    fieldName: (index: number) => `Name of field ${index + 1}`,
    fieldLabel: (index: number) => `Label of field ${index + 1}`,
    fieldType: (index: number) => `Type of field ${index + 1}`,
    fieldRequired: (index: number) => `Field ${index + 1} is required`,
    previewFrame: 'Email preview',
  },
  signOut: 'Sign out',
} as const;

export const EMPTY = {
  batches: { title: 'No batches', body: 'No batch matches these statuses yet.' },
  batchesNoMatch: { title: 'No matches', body: 'No batch has this name and one of these statuses.' },
  batchesNotYet: { title: 'No match yet', body: 'None of the batches read so far matches. The next page reads further.' },
  cards: { title: 'No cards', body: 'This batch has no cards (yet).' },
  cardsNoMatch: { title: 'No matches', body: 'No card of this batch has this status.' },
  processes: { title: 'No processes', body: 'Create a process to start sending batches.' },
} as const;

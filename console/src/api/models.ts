/**
 * The resources the console reads, typed from the generated contract.
 *
 * Today's docs/openapi.json documents most responses as free-form objects (issue 12 gives them
 * real models). Until then each response type falls back to a description of what the API returns
 * (written from the pydantic models in layers/shared/python/dispatch). `Documented<Generated,
 * Fallback>` takes the generated type as soon as the contract has a real one, so from that moment
 * every use below is checked against the contract and a difference is a compile error.
 */
import type { components, paths } from './schema';

type Schemas = components['schemas'];
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type JsonOf<R> = R extends { content: { 'application/json': infer J } } ? J : never;
type Responses<P extends keyof paths, M extends Method> = NonNullable<paths[P][M & keyof paths[P]]> extends {
  responses: infer R;
}
  ? R
  : never;
/** The JSON body of an operation's success responses (200, 201, 202). */
export type SuccessOf<P extends keyof paths, M extends Method> = JsonOf<
  Responses<P, M>[Extract<keyof Responses<P, M>, 200 | 201 | 202>]
>;
/** The JSON body of an operation's request. */
export type BodyOf<P extends keyof paths, M extends Method> = NonNullable<paths[P][M & keyof paths[P]]> extends {
  requestBody?: infer B;
}
  ? JsonOf<NonNullable<B>>
  : never;

type FreeForm<G> = [G] extends [never] ? true : string extends keyof G ? true : unknown extends G ? true : false;
/** The generated type when the contract documents one, else the fallback. */
export type Documented<Generated, Fallback> = FreeForm<Generated> extends true ? Fallback : Generated;
/**
 * Views an API answer as its documented type, or as the fallback while the contract documents it
 * as free-form. Only in the free-form case is anything assumed; once the contract has a model, the
 * generated type flows through unchanged and the screens are checked against it.
 */
export function documented<Fallback>() {
  return <Data>(data: Data): Documented<Data, Fallback> => data as unknown as Documented<Data, Fallback>;
}
/** A named schema of the contract when it has one, else the fallback. */
type Schema<Name extends string, Fallback> = Name extends keyof Schemas ? Schemas[Name] : Fallback;

// --- enumerations -------------------------------------------------------------------------------

export type BatchStatus = Schema<
  'BatchStatus',
  | 'uploading'
  | 'validating'
  | 'invalid'
  | 'generating'
  | 'pending_approval'
  | 'approved'
  | 'rejected'
  | 'expired'
  | 'sending'
  | 'sent'
  | 'partially_sent'
  | 'complete'
  | 'archived'
  | 'failed'
>;
export type CardStatus = Schemas['CardStatus'];
export type FieldType = Schemas['FieldType'];
export type ChannelOrder = Schemas['ChannelOrder'];
export type CloneRecipients = Schemas['Recipients'];
export type ExportFormat = Schemas['ExportRequest']['format'];

// --- batches ------------------------------------------------------------------------------------

export interface Counters {
  rows: number;
  accepted: number;
  rejected: number;
  cards: number;
  errors: number;
  sent: number;
  failed: number;
  delivered: number;
  bounced: number;
  accessed: number;
  by_status: Record<string, number>;
}

export interface BatchFallback {
  id: string;
  process_id: string;
  process_name: string;
  name: string;
  file_name: string;
  created_by: string;
  created_at: string;
  updated_at: string;
  status: BatchStatus;
  status_reason: string | null;
  auto_distribute: boolean;
  auto_distribute_reason: string | null;
  counters: Counters;
  approval: {
    requested_at: string | null;
    decided_by: string | null;
    decided_at: string | null;
    reason: string | null;
  };
  send_runs: number;
  closed_by: string | null;
  columns: string[];
  sent_label: string;
}

export type Batch = Documented<SuccessOf<'/batches/{batch_id}', 'get'>, BatchFallback>;

export interface PresignedPost {
  method: 'POST';
  url: string;
  fields: Record<string, string>;
  expires_at: string;
  max_bytes: number;
}

export type CreatedBatchFallback = BatchFallback & { upload: PresignedPost };
export type CreatedBatch = Documented<SuccessOf<'/batches', 'post'>, CreatedBatchFallback>;

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export type BatchPage = Documented<SuccessOf<'/batches', 'get'>, Page<BatchFallback>>;

export interface RenderedSample {
  card_id: string;
  row: number;
  email?: { to: string; subject: string; text: string; html: string | null };
  sms?: { to: string; text: string };
  error?: string;
}

export interface DryRunFallback {
    id: string;
    status: BatchStatus;
    counters: Counters;
    row_errors: { total: number; shown: Record<string, string>[] };
    samples: RenderedSample[];
    estimate: {
      messages: Record<string, number>;
      rates_per_second: Record<string, number>;
      seconds: number;
      finish_at_if_approved_now: string;
    };
}
export type DryRun = Documented<SuccessOf<'/batches/{batch_id}/dry-run', 'get'>, DryRunFallback>;

export interface ErrorReportFallback {
  id: string;
  url: string;
  expires_at: string;
  rows_rejected: number;
}
export type ErrorReport = Documented<SuccessOf<'/batches/{batch_id}/errors', 'get'>, ErrorReportFallback>;

export interface ExportViewFallback {
    id: string;
    batch_id: string;
    format: ExportFormat;
    status: 'running' | 'ready' | 'failed';
    rows: number | null;
    requested_at: string;
    current: boolean;
    url?: string;
    expires_at?: string;
    error?: string;
}
export type ExportView = Documented<SuccessOf<'/batches/{batch_id}/exports/{export_id}', 'get'>, ExportViewFallback>;

// --- cards --------------------------------------------------------------------------------------

export interface CardDistribution {
  at: string;
  by: string;
  channel: string;
  address: string;
  message_id: string;
}

export interface CardSummaryFallback {
  id: string;
  row: number;
  status: CardStatus;
  email: string | null;
  phone: string | null;
  error: string | null;
  sent_at: string | null;
  accessed_at: string | null;
  access_count: number;
  last_distribution: CardDistribution | null;
}

export type CardPage = Documented<SuccessOf<'/batches/{batch_id}/cards', 'get'>, Page<CardSummaryFallback>>;
export type CardSummary = CardPage['items'][number];

export type CardFallback = CardSummaryFallback & {
    batch_id: string;
    values: Record<string, unknown>;
    channels: string[];
    retryable: boolean | null;
    created_at: string;
    last_accessed_at: string | null;
    accesses: { at: string }[];
    delivered_at: string | null;
    bounced_at: string | null;
    complained_at: string | null;
    opened_at: string | null;
    clicked_at: string | null;
    unsubscribed_at: string | null;
    distributions: CardDistribution[];
};
export type Card = Documented<SuccessOf<'/cards/{card_id}', 'get'>, CardFallback>;

// --- processes ----------------------------------------------------------------------------------

export type ProcessInput = Schemas['ProcessInput'];
export type ProcessField = Schemas['ProcessField'];
export type Templates = Schemas['Templates'];

export type ProcessFallback = ProcessInput & {
  id: string;
  state: 'draft' | 'live';
  created_at: string;
  created_by: string;
};

export interface PreviewFallback {
  values: Record<string, unknown>;
  email: { subject: string | null; text: string | null; html: string | null } | null;
  sms: { text: string | null } | null;
  errors: { part: string; message: string }[];
}
export type TemplatePreview = Documented<SuccessOf<'/processes/{process_id}/preview', 'post'>, PreviewFallback>;

export type Process = Documented<SuccessOf<'/processes/{process_id}', 'get'>, ProcessFallback>;
export type ProcessPage = Documented<SuccessOf<'/processes', 'get'>, Page<ProcessFallback>>;

// --- organisation -------------------------------------------------------------------------------

export interface OrganisationFallback {
  name: string | null;
  timezone: string;
  approval_required: boolean;
  four_eyes: boolean;
}
export type Organisation = Documented<SuccessOf<'/organisation', 'get'>, OrganisationFallback>;

// --- converters (see `documented`) --------------------------------------------------------------

export const asBatch = documented<BatchFallback>();
export const asCreatedBatch = documented<CreatedBatchFallback>();
export const asBatchPage = documented<Page<BatchFallback>>();
export const asDryRun = documented<DryRunFallback>();
export const asErrorReport = documented<ErrorReportFallback>();
export const asExport = documented<ExportViewFallback>();
export const asCardPage = documented<Page<CardSummaryFallback>>();
export const asCard = documented<CardFallback>();
export const asProcess = documented<ProcessFallback>();
export const asProcessPage = documented<Page<ProcessFallback>>();
export const asPreview = documented<PreviewFallback>();
export const asOrganisation = documented<OrganisationFallback>();

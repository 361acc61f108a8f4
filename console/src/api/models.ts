/**
 * The resources the console reads and sends, named from the generated contract (docs/openapi.json
 * → schema.d.ts). Nothing here is written by hand: a change of the API's models is a compile error
 * wherever the console relies on what changed.
 *
 * The contract lists every field of an answer as required (the API serializes answers whole), so
 * a field with a default is always there; a nullable one is `T | null`. A model used both as a
 * request body and in an answer appears twice (`…-Input`: fields with defaults optional; `…-Output`:
 * all present); the console edits with the input shape, and an answer's output shape fits it.
 */
import type { components } from './schema';

type Schemas = components['schemas'];
// --- enumerations -------------------------------------------------------------------------------

export type BatchStatus = Schemas['BatchStatus'];
export type CardStatus = Schemas['CardStatus'];
export type FieldType = Schemas['FieldType'];
export type ChannelOrder = Schemas['ChannelOrder'];
export type CloneRecipients = Schemas['Recipients'];
export type ExportFormat = Schemas['ExportRequest']['format'];

// --- batches ------------------------------------------------------------------------------------

export type Batch = Schemas['BatchView'];
export type Counters = Schemas['Counters'];
export type CreatedBatch = Schemas['NewBatchView'];
export type PresignedPost = Schemas['Upload'];
export type BatchPage = Schemas['Page_BatchView_'];
export type DryRun = Schemas['DryRunView'];
export type RenderedSample = Schemas['Sample'];
export type ErrorReport = Schemas['ErrorReport'];
export type ExportView = Schemas['ExportView'];

// --- cards --------------------------------------------------------------------------------------

export type CardPage = Schemas['Page_CardSummary_'];
export type CardSummary = Schemas['CardSummary'];
export type Card = Schemas['CardView'];
export type CardDistribution = Schemas['dispatch__cards__models__Distribution'];

// --- processes ----------------------------------------------------------------------------------

export type ProcessInput = Schemas['ProcessInput'];
export type ProcessChanges = Schemas['ProcessChanges'];
export type ProcessField = Schemas['ProcessField-Input'];
export type Templates = Schemas['Templates-Input'];
export type Process = Schemas['Process'];
export type ProcessPage = Schemas['Page_Process_'];
export type TemplatePreview = Schemas['TemplatesPreview'];

// --- organisation -------------------------------------------------------------------------------

export type Organisation = Schemas['Organisation'];

// --- schedules ----------------------------------------------------------------------------------

export type Schedule = Schemas['ScheduleView'];
export type ScheduleDetail = Schemas['ScheduleDetail'];
export type SchedulePage = Schemas['Page_ScheduleView_'];
export type ScheduleInput = Schemas['ScheduleInput'];
export type ScheduleEdit = Schemas['ScheduleEdit'];
export type ScheduleDraft = Schemas['ScheduleDraft'];
export type ScheduleConfig = NonNullable<Schemas['ScheduleDraft']['config']>;
export type DistributionConfig = Schemas['Distribution-Input'];
export type When = Schemas['When-Input'];
export type Frequency = Schemas['Frequency'];
export type Weekday = NonNullable<When['weekdays']>[number];
export type ScheduleRun = Schemas['Run'];
export type SchedulePreview = Schemas['SchedulePreview'];
export type DraftPreview = Schemas['DraftPreview'];
export type ScheduleTemplate = Schemas['ScheduleTemplate'];

// --- contacts and communications ----------------------------------------------------------------

export type Contact = Schemas['Contact'];
export type ContactPage = Schemas['ContactPage'];
export type ContactHistoryEntry = Schemas['HistoryEntry'];
export type ContactImport = Schemas['ContactImportView'];
export type NewCommunication = Schemas['NewCommunication'];
export type CommunicationChannel = NonNullable<NewCommunication['channels']>[number];
export type Letters = Schemas['LettersView'];

// --- agents, groups and the agent's workspace (PRODUCT §7) ---------------------------------------

export type Agent = Schemas['AgentView'];
export type AgentInput = Schemas['AgentInput'];
export type AgentFilter = Schemas['Filter'];
export type AgentImportResult = Schemas['dispatch__assignment__models__ImportResult'];
export type Group = Schemas['Group'];
export type GroupView = Schemas['GroupView'];
export type RotationPlace = Schemas['RotationPlace'];
export type WorkedCard = Schemas['WorkedCard'];
export type LeadCard = Schemas['LeadCard'];
export type Activity = Schemas['Activity'];
export type Assignment = Schemas['Assignment'];

// --- lead queues --------------------------------------------------------------------------------

export type QueuedCard = Schemas['QueuedCard'];
export type QueueName = Schemas['Queue'];

// --- business hours -----------------------------------------------------------------------------

export type OrganisationSettings = Schemas['OrganisationSettings'];
export type BusinessHours = Schemas['BusinessHours-Input'];
export type HoursInterval = Schemas['Interval'];
export type HoursStatus = Schemas['HoursStatus'];
export type AssignmentState = Schemas['AssignmentState'];

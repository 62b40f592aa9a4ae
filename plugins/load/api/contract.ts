// Browser-safe contract of the 导入考务 stage: imported by its server code and by any web panel.
import { z } from 'zod';
import { createLiveTopic } from '../../../core/events/live-topic';
import { instantSchema } from '../../../core/time/instant';
import { beforeStep } from '../../../core/http/guidance';

export const loadChangedSchema = z.object({ at: instantSchema });
export type LoadChangedEvent = z.infer<typeof loadChangedSchema>;

/** Published whenever the loaded data or its 校验 changes (panels re-read what they show). */
export const loadChangedTopic = createLiveTopic('load.changed', loadChangedSchema);

/** Where the exam data is loaded: the step a "尚未载入考务数据，请先…" refusal points to. */
export const LOAD_STEP = beforeStep(1, '导入考务');

import type { GoTo } from '../../../core/http/guidance';
// Browser-safe contract of the 导入考务 stage: imported by its server code and by any web panel.
import { z } from 'zod';
import { createLiveTopic } from '../../../core/events/live-topic';
import { instantSchema } from '../../../core/time/instant';

export const loadChangedSchema = z.object({ at: instantSchema });
export type LoadChangedEvent = z.infer<typeof loadChangedSchema>;

/** Published whenever the loaded data or its 校验 changes (panels re-read what they show). */
export const loadChangedTopic = createLiveTopic('load.changed', loadChangedSchema);

/** Where the exam data is loaded: the step a "尚未载入考务数据，请先…" refusal points to. */
export const LOAD_STEP: GoTo = { area: 'before', step: 1, label: '第 1 步“导入考务”' };

import { createServiceRef } from '../../../core/kernel/refs';
import type { ExamDataStore } from './exam-data-store';

/** The one ExamDataStore behind the public refs (examDataServiceRef). */
export const examDataStoreRef = createServiceRef<ExamDataStore>('load.examDataStore', '考务数据存储（载入考务插件内部）');

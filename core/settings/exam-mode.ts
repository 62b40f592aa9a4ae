/** The exam mode and its label, apart from the settings store (worker threads use them without TypeORM). */
export type ExamMode = 'formal' | 'mock';

export const MODE_LABEL: Record<ExamMode, string> = { formal: '正式考试', mock: '模拟考试' };

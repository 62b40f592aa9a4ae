// Dialogs of 系统管理 that other stages' panels open (browser-safe: no imports). The system
// stage's web contribution offers the component under this id; a panel shows
// `<SharedDialogButton :dialog="backupDialog" />` (web/src/components/SharedDialogButton.vue).

/** 系统备份 (R5.4, R9.1): on the 封场检测 panel as in the manual (§3.4) and in the 更多 menu. */
export const backupDialog = { id: 'system.backup', label: '系统备份' } as const;

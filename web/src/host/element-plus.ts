// The shell's Element Plus, for vendor panels (import map entry "element-plus").
export * from 'element-plus';

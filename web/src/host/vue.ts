// The shell's Vue, for vendor panels (import map entry "vue"): one instance for all.
export * from 'vue';

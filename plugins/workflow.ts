/**
 * The exam-day workflow, host data: the kernel starts built-in plugins in this order (among
 * those whose dependencies are ready) and a manifest's `stage` must be one of these names.
 * Adding a stage means adding its name here and its folder beside this file; core stays as it is.
 */
export const workflow: readonly string[] = ['load', 'registration', 'authorization', 'seal', 'monitor', 'collection', 'system'];

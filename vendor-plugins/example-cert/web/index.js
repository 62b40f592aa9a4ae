// Example vendor web module (R10.2): a prebuilt ES module the shell imports at run time.
// It uses the host's Vue and Element Plus (host.vue, host.elementPlus) instead of bundling
// its own copies, and the host's API helper for calls with the admin session.
export function activate(host) {
  const { defineComponent, h, ref, onMounted } = host.vue;
  const { ElTable, ElTableColumn, ElEmpty, ElAlert } = host.elementPlus;

  const PracticalPage = defineComponent({
    name: 'ExampleCertPracticalPage',
    setup() {
      const rows = ref([]);
      const error = ref('');
      const load = async () => {
        try {
          const data = await host.api.apiGet('/api/example-cert/practical');
          rows.value = data.lists.flatMap((l) => l.tasks.map((t) => ({ ...t, certificate: l.certificate, releaseTime: l.releaseTime })));
        } catch (e) {
          error.value = e && e.message ? e.message : '读取实操任务清单失败';
        }
      };
      onMounted(load);
      host.onServerEvent('load.changed', load);
      return () =>
        h('div', { class: 'example-cert-page' }, [
          error.value ? h(ElAlert, { type: 'error', title: error.value, closable: false }) : null,
          rows.value.length === 0
            ? h(ElEmpty, { description: '数据包中没有示例证书的实操任务' })
            : h(ElTable, { data: rows.value, border: true }, () => [
                h(ElTableColumn, { prop: 'certificate', label: '证书' }),
                h(ElTableColumn, { prop: 'code', label: '任务代码' }),
                h(ElTableColumn, { prop: 'title', label: '任务名称' }),
                h(ElTableColumn, { prop: 'minutes', label: '时长（分钟）' }),
              ]),
        ]);
    },
  });

  return { pluginId: 'example-cert', pages: [{ area: 'during', title: '实操任务（示例证书）', order: 90, component: PracticalPage }] };
}

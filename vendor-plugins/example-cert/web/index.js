import { Fragment, computed, createBlock, createCommentVNode, createElementBlock, createElementVNode, createVNode, defineComponent, onMounted, onUnmounted, openBlock, ref, renderList, toDisplayString, unref, withCtx } from "vue";
import { ElAlert, ElEmpty, ElInput, ElTable, ElTableColumn } from "element-plus";
import { apiGet, errorMessage, formatDateTime, onServerEvent } from "@examsite/web-host";
// vendor-plugins/example-cert/web-src/PracticalPage.vue?vue&type=script&setup=true&lang.ts
var _hoisted_1 = {
	class: "example-cert-page",
	"data-test": "example-cert-page"
};
var _hoisted_2 = { style: {
	"display": "flex",
	"gap": "12px",
	"align-items": "center",
	"margin-bottom": "12px"
} };
var _hoisted_3 = { "data-test": "example-cert-count" };
// vendor-plugins/example-cert/web-src/PracticalPage.vue
var PracticalPage_default = /* @__PURE__ */ defineComponent({
	__name: "PracticalPage",
	setup(__props) {
		const COLUMNS = [
			{
				prop: "certificate",
				label: "证书"
			},
			{
				prop: "code",
				label: "任务代码"
			},
			{
				prop: "title",
				label: "任务名称"
			},
			{
				prop: "minutes",
				label: "时长（分钟）"
			},
			{
				prop: "releaseTime",
				label: "数据包发布时间"
			}
		];
		const rows = ref([]);
		const error = ref("");
		const keyword = ref("");
		const shown = computed(() => {
			const k = keyword.value.trim();
			return k ? rows.value.filter((r) => r.code.includes(k) || r.title.includes(k)) : rows.value;
		});
		async function load() {
			try {
				const data = await apiGet("/api/example-cert/practical");
				rows.value = data.lists.flatMap((l) => l.tasks.map((t) => ({
					...t,
					certificate: l.certificate,
					releaseTime: formatDateTime(l.releaseTime)
				})));
				error.value = "";
			} catch (e) {
				error.value = errorMessage(e);
			}
		}
		onMounted(load);
		onUnmounted(onServerEvent("load.changed", () => void load()));
		return (_ctx, _cache) => {
			return openBlock(), createElementBlock("div", _hoisted_1, [
				error.value ? (openBlock(), createBlock(unref(ElAlert), {
					key: 0,
					type: "error",
					title: error.value,
					closable: false
				}, null, 8, ["title"])) : createCommentVNode("", true),
				createElementVNode("div", _hoisted_2, [createVNode(unref(ElInput), {
					modelValue: keyword.value,
					"onUpdate:modelValue": _cache[0] || (_cache[0] = ($event) => keyword.value = $event),
					placeholder: "按任务代码或名称筛选",
					clearable: "",
					style: { "width": "260px" },
					"data-test": "example-cert-filter"
				}, null, 8, ["modelValue"]), createElementVNode("span", _hoisted_3, "共 " + toDisplayString(shown.value.length) + " 项", 1)]),
				rows.value.length === 0 ? (openBlock(), createBlock(unref(ElEmpty), {
					key: 1,
					description: "数据包中没有示例证书的实操任务"
				})) : (openBlock(), createBlock(unref(ElTable), {
					key: 2,
					data: shown.value,
					border: "",
					"data-test": "example-cert-table"
				}, {
					default: withCtx(() => [(openBlock(), createElementBlock(Fragment, null, renderList(COLUMNS, (c) => {
						return createVNode(unref(ElTableColumn), {
							key: c.prop,
							prop: c.prop,
							label: c.label
						}, null, 8, ["prop", "label"]);
					}), 64))]),
					_: 1
				}, 8, ["data"]))
			]);
		};
	}
});
// vendor-plugins/example-cert/web-src/index.ts
function activate() {
	return {
		pluginId: "example-cert",
		pages: [{
			area: "during",
			title: "实操任务（示例证书）",
			order: 90,
			component: PracticalPage_default
		}]
	};
}
export { activate };

// Geometric layout checks of what the administrator sees (issue 10 point 7), run inside the
// page on getBoundingClientRect: no two key elements overlap, every table header cell can be
// seen (the page never scrolls sideways; a table may, with every column reachable), and the
// title bar's site code and 模考 label stay uncovered by toasts.
import type { Page } from 'playwright-core';

export interface LayoutProblem {
  readonly kind: 'overlap' | 'page-scrolls-sideways' | 'column-outside' | 'column-clipped' | 'table-outside' | 'title-covered';
  readonly detail: string;
}

/** What counts as a key element: the parts a person reads or clicks. */
const KEY_SELECTOR = [
  '[data-test]',
  '.el-table',
  '.el-button',
  '.el-select',
  '.el-input',
  '.el-alert',
  '.el-radio-group',
  '.el-checkbox',
  '.el-pagination',
  '.el-tabs__item',
].join(',');

/**
 * Checks the layout below `rootSelector` (default: the whole page). Elements inside a table's
 * body are not compared with each other (the table lays them out), only the table as a whole.
 */
export async function layoutProblems(page: Page, rootSelector = 'body'): Promise<LayoutProblem[]> {
  // The checks run in the page; the test project has no DOM types, so they are plain script.
  const script = `((rootSelector, keySelector) => {
      const problems = [];
      const root = document.querySelector(rootSelector);
      if (!root) return [{ kind: 'overlap', detail: \`未找到 \${rootSelector}\` }];
      const vw = document.documentElement.clientWidth;
      const name = (el) => {
        const t = el.getAttribute('data-test');
        const text = (el.textContent ?? '').replace(/\\s+/g, ' ').trim().slice(0, 24);
        return \`\${el.tagName.toLowerCase()}\${t ? \`[data-test=\${t}]\` : ''}.\${[...el.classList].slice(0, 2).join('.')}「\${text}」\`;
      };
      const visible = (el) => {
        const r = el.getBoundingClientRect();
        if (r.width < 1 || r.height < 1) return false;
        const cs = getComputedStyle(el);
        return cs.visibility !== 'hidden' && cs.display !== 'none' && Number(cs.opacity) > 0;
      };

      // 1. The page itself never scrolls sideways (nor does the frame's scrolling main area).
      const scrollers = [document.documentElement, ...document.querySelectorAll('.main, .content')];
      for (const s of scrollers) {
        if (s.scrollWidth > s.clientWidth + 1) problems.push({ kind: 'page-scrolls-sideways', detail: \`\${name(s)} 宽 \${s.scrollWidth} > \${s.clientWidth}\` });
      }

      // 2. No two key elements overlap (an element and its own ancestor do not count; the cells
      // of one table are the table's business).
      const inTableBody = (el) => !!el.parentElement?.closest('.el-table__body-wrapper, .el-table__header-wrapper, .el-table__footer-wrapper, .el-select, .el-input, .el-tabs__nav');
      const keys = [...root.querySelectorAll(keySelector)].filter((el) => visible(el) && !inTableBody(el) && !el.closest('.el-popper, .el-message'));
      // What of an element can be seen: its box cut by every ancestor that clips (overflow).
      const seenRect = (el) => {
        const r = el.getBoundingClientRect();
        let left = r.left, top = r.top, right = r.right, bottom = r.bottom;
        for (let a = el.parentElement; a; a = a.parentElement) {
          const cs = getComputedStyle(a);
          if (cs.overflowX === 'visible' && cs.overflowY === 'visible') continue;
          const c = a.getBoundingClientRect();
          left = Math.max(left, c.left); top = Math.max(top, c.top); right = Math.min(right, c.right); bottom = Math.min(bottom, c.bottom);
        }
        return { left, top, right, bottom };
      };
      const rects = keys.map(seenRect);
      for (let i = 0; i < keys.length; i++) {
        for (let j = i + 1; j < keys.length; j++) {
          const a = keys[i];
          const b = keys[j];
          if (a.contains(b) || b.contains(a)) continue;
          const ra = rects[i];
          const rb = rects[j];
          const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
          const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
          if (w > 1 && h > 1) problems.push({ kind: 'overlap', detail: \`\${name(a)} 与 \${name(b)} 重叠 \${Math.round(w)}×\${Math.round(h)}\` });
        }
      }

      // 3. Every table fits the width; each header cell is inside it, or reachable by the
      // table's own horizontal scroll; a header's text is not cut.
      for (const table of root.querySelectorAll('.el-table')) {
        if (!visible(table)) continue;
        const tr = table.getBoundingClientRect();
        if (tr.left < -1 || tr.right > vw + 1) problems.push({ kind: 'table-outside', detail: \`\${name(table)} 超出窗口（\${Math.round(tr.left)}–\${Math.round(tr.right)}，窗口宽 \${vw}）\` });
        const body = table.querySelector('.el-table__body-wrapper .el-scrollbar__wrap') ?? table.querySelector('.el-table__body-wrapper');
        const scrollWidth = body ? body.scrollWidth : tr.width;
        const scrollLeft = body ? body.scrollLeft : 0;
        for (const th of table.querySelectorAll('.el-table__header-wrapper th')) {
          if (th.classList.contains('is-hidden') || th.classList.contains('gutter')) continue;
          const r = th.getBoundingClientRect();
          const label = (th.textContent ?? '').trim() || '(空表头)';
          if (r.width < 8) {
            problems.push({ kind: 'column-clipped', detail: \`\${name(table)} 的列「\${label}」宽 \${Math.round(r.width)}\` });
            continue;
          }
          // Position inside the table's scrollable content: reachable if it lies within scrollWidth.
          const offset = r.left - tr.left + scrollLeft;
          const inside = r.left >= tr.left - 1 && r.right <= tr.right + 1;
          const reachable = offset >= -1 && offset + r.width <= scrollWidth + 1;
          if (!inside && !reachable) problems.push({ kind: 'column-outside', detail: \`\${name(table)} 的列「\${label}」无法看到（\${Math.round(r.left)}–\${Math.round(r.right)}）\` });
          const cell = th.querySelector('.cell');
          if (cell && (cell.scrollWidth > cell.clientWidth + 1 || cell.scrollHeight > cell.clientHeight + 1)) {
            problems.push({ kind: 'column-clipped', detail: \`\${name(table)} 的表头「\${label}」文字被截断（\${cell.scrollWidth}>\${cell.clientWidth}）\` });
          }
        }
      }

      // 4. Toasts stay off the title bar (its site code and 模考 label above all): a toast of
      // any length then leaves them readable, at any width.
      const bar = document.querySelector('[data-test=title-bar]');
      const marks = [...document.querySelectorAll('[data-test=site-code], [data-test=mock-mode]')].filter(visible);
      // A toast on its way out (fading, sliding up) is not read; the one shown is.
      for (const toast of [...document.querySelectorAll('.el-message')].filter((t) => visible(t) && ![...t.classList].some((c) => c.includes('leave')))) {
        const t = toast.getBoundingClientRect();
        for (const m of [...marks, ...(bar ? [bar] : [])]) {
          const r = m.getBoundingClientRect();
          const w = Math.min(t.right, r.right) - Math.max(t.left, r.left);
          const h = Math.min(t.bottom, r.bottom) - Math.max(t.top, r.top);
          if (w > 0 && h > 0) problems.push({ kind: 'title-covered', detail: \`提示 \${name(toast)} 遮住了标题栏的 \${name(m)}\` });
        }
      }
      return problems;
    })(${JSON.stringify(rootSelector)}, ${JSON.stringify(KEY_SELECTOR)})`;
  return page.evaluate<LayoutProblem[]>(script);
}

/** The problems as lines for an assertion message. */
export function describeProblems(where: string, problems: readonly LayoutProblem[]): string {
  return problems.map((p) => `${where}: ${p.kind}: ${p.detail}`).join('\n');
}

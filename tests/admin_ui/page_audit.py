"""An axe-like check of one admin page, run in the browser: what a screen reader, a keyboard or a phone would miss.

`AUDIT` returns the page's problems as "kind: detail" lines (an empty list is a pass). It checks, as WCAG 2.2 AA
asks: every control and link has a name, and not from its placeholder alone; every id a label, description or
control refers to exists, and no id is used twice; one h1, and headings that skip no level; nothing outside
the landmarks; tables with named column headers and scoped row headers; charts (svg) and images with a text
alternative; no positive tabindex; no sideways scroll of the page; a table that scrolls inside itself (a phone)
scrolls in a named region the keyboard can reach and scroll (role=region, a name, tabindex=0); a number in a table
on one line ("100.0 %" not broken before its "%"); and text contrast (4.5:1, 3:1 for large text), worked out from
the computed colours over the painted background, opacity included.

`FOCUSABLE` lists what the keyboard should reach; `FOCUSED` describes what has the focus now.
"""

from __future__ import annotations

AUDIT = r"""() => {
  const problems = [];
  const say = (kind, detail) => problems.push(kind + ": " + detail);
  const shown = e => { const s = getComputedStyle(e); return s.display !== 'none' && s.visibility !== 'hidden' && e.getClientRects().length > 0; };
  const what = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.getAttribute('name') ? '[name=' + e.getAttribute('name') + ']' : '')
    + (typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\s+/).join('.') : '');
  const textOf = id => { const e = document.getElementById(id); return e ? e.textContent.trim() : ''; };
  function nameOf(e) {
    if (e.getAttribute('aria-labelledby')) return e.getAttribute('aria-labelledby').split(/\s+/).map(textOf).join(' ').trim();
    if (e.getAttribute('aria-label')) return e.getAttribute('aria-label').trim();
    if (e.labels && e.labels.length) return [...e.labels].map(l => l.textContent.trim()).join(' ').trim();
    if (['BUTTON', 'A', 'SUMMARY'].includes(e.tagName)) return (e.textContent || '').trim();
    if (e.tagName === 'INPUT' && ['submit', 'button', 'reset'].includes(e.type)) return e.value;
    if (e.title) return e.title;
    return e.placeholder ? '(placeholder) ' + e.placeholder : '';
  }
  for (const e of document.querySelectorAll('input:not([type=hidden]), select, textarea, button, a[href], summary, progress, meter')) {
    const name = nameOf(e);
    if (!name) say('no-name', what(e));
    else if (name.startsWith('(placeholder) ')) say('placeholder-only-name', what(e));
  }
  for (const e of document.querySelectorAll('[aria-describedby], [aria-labelledby], [aria-controls], label[for]')) {
    for (const attribute of ['aria-describedby', 'aria-labelledby', 'aria-controls', 'for']) {
      for (const id of (e.getAttribute(attribute) || '').split(/\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) say('missing-id', what(e) + ' ' + attribute + '=' + id);
      }
    }
  }
  const ids = {};
  for (const e of document.querySelectorAll('[id]')) ids[e.id] = (ids[e.id] || 0) + 1;
  for (const [id, count] of Object.entries(ids)) if (count > 1) say('duplicate-id', id + ' x' + count);
  const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].filter(shown);
  const h1s = headings.filter(h => h.tagName === 'H1').length;
  if (h1s !== 1) say('h1-count', String(h1s));
  let level = 0;
  for (const h of headings) {
    const next = +h.tagName[1];
    if (level && next > level + 1) say('heading-skip', 'h' + level + ' to ' + h.tagName.toLowerCase() + ' ' + h.textContent.trim().slice(0, 40));
    level = next;
  }
  if (document.querySelectorAll('main').length !== 1) say('landmark', 'one main expected');
  for (const e of document.body.children) {
    if (['SCRIPT', 'MAIN', 'HEADER', 'NAV', 'FOOTER', 'ASIDE'].includes(e.tagName) || e.classList.contains('skip-link') || !shown(e)) continue;
    say('outside-landmarks', what(e));
  }
  for (const table of document.querySelectorAll('table')) {
    if (!table.querySelector('thead th')) say('table-without-column-headers', what(table));
    for (const th of table.querySelectorAll('th')) if (!th.textContent.trim() && !th.getAttribute('aria-label')) say('empty-header', what(table));
    for (const th of table.querySelectorAll('tbody th')) if (th.getAttribute('scope') !== 'row') say('row-header-without-scope', what(table));
  }
  for (const svg of document.querySelectorAll('svg')) {
    const named = svg.getAttribute('aria-label') || svg.getAttribute('aria-labelledby') || svg.querySelector(':scope > title')
      || svg.getAttribute('aria-hidden') === 'true';
    if (!named) say('chart-without-text', what(svg));
  }
  for (const img of document.querySelectorAll('img')) if (!img.hasAttribute('alt')) say('image-without-alt', what(img));
  for (const e of document.querySelectorAll('[tabindex]')) if (+e.getAttribute('tabindex') > 0) say('positive-tabindex', what(e));
  if (document.documentElement.scrollWidth > window.innerWidth) say('sideways-scroll', document.documentElement.scrollWidth + ' > ' + window.innerWidth);
  for (const e of document.querySelectorAll('body *')) {
    if (!shown(e) || !['auto', 'scroll'].includes(getComputedStyle(e).overflowX) || e.scrollWidth <= e.clientWidth + 1) continue;
    if (e.tagName !== 'TABLE' && !e.querySelector('table')) continue;
    const table = e.tagName === 'TABLE' ? e : e.querySelector('table');
    if (e.getAttribute('role') !== 'region' || !nameOf(e) || e.getAttribute('tabindex') !== '0') say('scrolling-table-unreachable', what(e) + ' ' + what(table));
  }
  for (const cell of document.querySelectorAll('td.num')) {
    if (!shown(cell) || !cell.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(cell);
    const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.bottom)));
    if (lines.size > 1) say('number-wrapped', what(cell) + ' "' + cell.textContent.trim().slice(0, 30) + '"');
  }
  const rgba = c => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null; const v = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number); return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1]; };
  const over = (top, under) => [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3])).concat([1]);
  const luminance = c => { const f = x => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  function background(e) {
    const layers = [];
    for (let at = e; at; at = at.parentElement) { const c = rgba(getComputedStyle(at).backgroundColor); if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; } }
    return layers.reverse().reduce((under, top) => over(top, under), [255, 255, 255, 1]);
  }
  const said = new Set();
  for (const e of document.querySelectorAll('body *')) {
    if (!shown(e) || ![...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    if (e.closest('[aria-disabled=true], :disabled, svg')) continue;  // disabled controls and chart text (their table reads) are exempt
    const style = getComputedStyle(e);
    let opacity = 1;
    for (let at = e; at; at = at.parentElement) opacity *= +getComputedStyle(at).opacity;
    const under = background(e);
    const ink = rgba(style.color);
    const text = over([ink[0], ink[1], ink[2], ink[3] * opacity], under);
    const [a, b] = [luminance(text), luminance(under)];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (+style.fontWeight >= 700 && size >= 18.66);
    const key = what(e) + ' ' + ratio.toFixed(2);
    if (ratio < (large ? 3 : 4.5) && !said.has(key)) { said.add(key); say('contrast', key + ' "' + e.textContent.trim().slice(0, 30) + '"'); }
  }
  return problems;
}"""

FOCUSABLE = """() => [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])')]
  .filter(e => !e.disabled && e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
  // In a closed <details> only its summary is reached (Chromium still lays out the folded content).
  .filter(e => { const shut = e.closest('details:not([open])'); return !shut || (e.tagName === 'SUMMARY' && e.parentElement === shut); })
  .filter(e => !(e.type === 'radio' && !e.checked && e.form && e.form.querySelector(`input[type=radio][name="${e.name}"]:checked`)))
  .map(e => e.outerHTML.slice(0, 120))"""

FOCUSED = """() => { const e = document.activeElement; const s = getComputedStyle(e);
  return {html: e.outerHTML.slice(0, 120), body: e === document.body,
          ring: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1 || s.boxShadow !== 'none'}; }"""

"""Whether the page shown now fits its window, and whether what scrolls sideways in it (a
wide table) is a region a keyboard reaches and a screen reader names."""

from __future__ import annotations

from playwright.sync_api import Page

#: Waits until htmx has nothing in flight and nothing left to settle.
QUIET = """() => !document.querySelector(
  '.htmx-request, .htmx-settling, .htmx-swapping, .htmx-added, [hx-trigger="load"]')"""

#: ``null`` when the page fits the window; otherwise its width and what sticks out farthest
#: outside any scrolling region: the outermost element there, and the innermost element or text
#: at that edge (the cause: a table, a long word…).
OVERFLOW = """() => {
  const width = window.innerWidth, doc = document.documentElement;
  if (doc.scrollWidth <= width) return null;
  // Whether a region that scrolls (or clips) holds el: its parents up to its containing block
  // (an absolutely positioned element escapes the static ones in between).
  const clipped = (el) => {
    let escapes = getComputedStyle(el).position;
    if (escapes === 'fixed') return true;
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (escapes === 'absolute' && style.position === 'static') continue;
      if (style.overflowX !== 'visible' || style.position === 'fixed') return true;
      escapes = style.position;
    }
    return false;
  };
  const scrolls = (el) => getComputedStyle(el).overflowX !== 'visible' || clipped(el);
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    [...el.classList].map((c) => '.' + c).join('');
  const path = (el, depth) => {
    const names = [];
    for (; el && el !== document.body && names.length < depth; el = el.parentElement)
      names.unshift(name(el));
    return names.join(' > ');
  };
  let outer = null, inner = null, right = width + 0.5, innerRight = 0;
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect().right + window.scrollX;
    if (r > width + 0.5 && !clipped(el)) {
      if (r > right) { outer = el; right = r; }
      if (r >= innerRight) { inner = el; innerRight = r; }
    }
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    if (!text.data.trim() || scrolls(text.parentElement)) continue;
    range.selectNodeContents(text);
    const r = range.getBoundingClientRect().right + window.scrollX;
    if (r > width + 0.5 && r >= innerRight) { inner = text.parentElement; innerRight = r;
      if (!outer || r > right) { outer = text.parentElement; right = r; } }
  }
  const text = (el) => el ? (el.innerText || el.value || '').trim().replace(/\\s+/g, ' ')
    .slice(0, 50) : '';
  return {scrollWidth: doc.scrollWidth, width,
          element: outer ? path(outer, 3) : '?', right: Math.round(right),
          cause: inner && inner !== outer ? path(inner, 2) : '', text: text(inner || outer)};
}"""


#: The regions that scroll sideways now but that a keyboard cannot reach or a screen reader
#: cannot name (each needs tabindex="0", role="region" and a name).
HIDDEN_SCROLLERS = """() => [...document.body.querySelectorAll('*')].filter((el) =>
    ['auto', 'scroll'].includes(getComputedStyle(el).overflowX) &&
    el.scrollWidth > el.clientWidth + 1 &&
    !(el.tabIndex >= 0 && el.getAttribute('role') === 'region' &&
      (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby'))))
  .map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    [...el.classList].map((c) => '.' + c).join(''))"""


def measure(page: Page, where: str) -> list[str]:
    """What does not fit the window on the page shown now (``where`` names it)."""
    page.wait_for_function(QUIET)
    found = page.evaluate(OVERFLOW)
    title = page.title().split(" · ")[0]
    failures = [
        f"{title} ({where}): {scroller} scrolls but is no named region"
        for scroller in page.evaluate(HIDDEN_SCROLLERS)
    ]
    if found:
        failures.append(
            f"{title} ({where}): {found['scrollWidth']} px wide in a "
            f"{found['width']} px window; widest: {found['element']} reaching "
            f"{found['right']} px"
            + (f", because of {found['cause']}" if found["cause"] else "")
            + f" «{found['text']}»"
        )
    return failures

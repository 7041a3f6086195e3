"""The focus ring can be seen: at least 3:1 against the background it is drawn on (WCAG 1.4.11),
measured on the computed style of focused buttons, links and fields in the browser."""

from __future__ import annotations

import pytest

from tests.browser.page_catalogue import WIDTHS, context_at, sign_in_page

#: What draws the ring of the focused element, and the colour it is drawn on: the first
#: opaque background among its parents (the ring sits outside the element, past its offset).
RING = """(el) => {
  const style = getComputedStyle(el);
  let behind = 'rgb(255, 255, 255)';
  for (let a = el.parentElement; a; a = a.parentElement) {
    const bg = getComputedStyle(a).backgroundColor;
    if (bg !== 'transparent' && !bg.startsWith('rgba(0, 0, 0, 0)')) { behind = bg; break; }
  }
  return {focusVisible: el.matches(':focus-visible'), style: style.outlineStyle,
          width: parseFloat(style.outlineWidth), color: style.outlineColor, behind};
}"""

#: Focusable things on the surfaces of the portal: the dark top bar, the grey page, the white
#: cards and side menu, and a row of a table.
TARGETS = {
    "the brand in the top bar": "header.topbar a.brand",
    "a link of the side menu": "nav.sidenav a",
    "the primary button on the page": ".pagehead a.button.primary",
    "a search field on the page": "form.filters input[type=search]",
    "a button on the page": "form.filters button",
    "a link button in a table row": "#user-list td a.button",
    "a danger button in a table row": "#user-list td button.danger",
}


def _rgb(css: str) -> tuple[float, float, float]:
    values = css[css.index("(") + 1 : css.index(")")].replace("/", " ").replace(",", " ").split()
    return tuple(float(value) for value in values[:3])


def luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG's relative luminance of an sRGB colour (0-255 channels)."""
    linear = [
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (v / 255 for v in rgb)
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """WCAG's contrast ratio between two CSS ``rgb()`` colours."""
    lighter, darker = sorted((luminance(_rgb(first)), luminance(_rgb(second))), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_of_the_colours_of_issue_13():
    assert round(contrast("rgb(127, 182, 238)", "rgb(255, 255, 255)"), 2) == 2.14  # #7fb6ee


@pytest.mark.parametrize("width", WIDTHS)
def test_the_focus_ring_stands_out_from_its_background(
    browser, browser_context_args, live_server, make_user, width
):
    admin = make_user("superadmin")
    make_user("employee")  # a row with its buttons
    context = context_at(browser, browser_context_args, width)
    page = context.new_page()
    sign_in_page(page, live_server, admin)
    page.goto(f"{live_server}/parametres/licences")
    page.keyboard.press("Tab")  # a keyboard user: the rings are the :focus-visible ones
    targets = dict(TARGETS)
    if width == "390 px":
        targets["the menu button in the top bar"] = "header.topbar summary"
    weak = []
    for name, selector in targets.items():
        target = page.locator(selector).first
        if not target.count():
            weak.append(f"{name}: not on the page ({selector})")
            continue
        target.focus()
        ring = target.evaluate(RING)
        assert ring["focusVisible"], name
        ratio = contrast(ring["color"], ring["behind"])
        if ring["style"] in ("none", "hidden") or ring["width"] < 2 or ratio < 3:
            weak.append(
                f"{name}: {ring['style']} {ring['width']} px {ring['color']} on "
                f"{ring['behind']}, {ratio:.2f}:1"
            )
    assert not weak, f"focus rings under 3:1 at {width}:\n" + "\n".join(weak)
    context.close()

"""Measured in Chromium: the focus indicator contrasts 3:1 with whatever lies behind it (WCAG 2.1 1.4.11), and the
new-case form's text fields are wide enough for long qualification names."""
from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import HWK_CLERK, login

pytestmark = pytest.mark.browser

#: For the focused element: its outline, and the background colour behind the middle of the outline on each side
#: (what ``elementsFromPoint`` finds there, skipping the element itself; the canvas is white).
MEASURE_FOCUS = """el => {
  el.focus();
  el.scrollIntoView({block: 'center', inline: 'nearest'});
  const style = getComputedStyle(el), rect = el.getBoundingClientRect();
  const middle = parseFloat(style.outlineOffset) + parseFloat(style.outlineWidth) / 2;
  const points = [[rect.right + middle, rect.top + rect.height / 2], [rect.left + rect.width / 2, rect.bottom + middle],
                  [rect.left - middle, rect.top + rect.height / 2], [rect.left + rect.width / 2, rect.top - middle]]
    .filter(([x, y]) => x >= 0 && y >= 0 && x < innerWidth && y < innerHeight);
  const behind = ([x, y]) => {
    for (const node of document.elementsFromPoint(x, y)) {
      if (node === el || el.contains(node)) continue;
      const colour = getComputedStyle(node).backgroundColor;
      if (colour !== 'transparent' && !/^rgba\\(.*, 0\\)$/.test(colour)) return colour;
    }
    return 'rgb(255, 255, 255)';
  };
  return {focused: document.activeElement === el, colour: style.outlineColor, outline: style.outlineStyle,
          width: parseFloat(style.outlineWidth), backgrounds: points.map(behind),
          name: el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')};
}"""


def rgb(colour: str) -> tuple[float, float, float]:
    red, green, blue = (float(part) for part in re.findall(r"[\d.]+", colour)[:3])
    return red, green, blue


def luminance(colour: str) -> float:
    def channel(value: float) -> float:
        value /= 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(value) for value in rgb(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_formula_matches_wcag():
    assert round(contrast("rgb(255, 255, 255)", "rgb(0, 0, 0)"), 1) == 21.0
    assert round(contrast("rgb(255, 191, 71)", "rgb(255, 255, 255)"), 2) == 1.64  # the old ring, as the issue says


def focus_contrasts(page, selectors: list[str]) -> list[tuple[str, str, str, float]]:
    """(selector, outline colour, background, ratio) for the first visible match of each selector."""
    measured = []
    for selector in selectors:
        element = page.locator(selector).locator("visible=true").first
        result = element.evaluate(MEASURE_FOCUS)
        assert result["focused"], selector
        assert result["outline"] != "none" and result["width"] >= 2, (selector, result)
        assert result["backgrounds"], (selector, "outline outside the viewport")
        for background in result["backgrounds"]:
            measured.append((selector, result["colour"], background, contrast(result["colour"], background)))
    return measured


def assert_focus_visible(page, selectors: list[str]) -> None:
    measured = focus_contrasts(page, selectors)
    low = [entry for entry in measured if entry[3] < 3]
    assert low == [], "focus outline below 3:1: " + "; ".join(f"{s}: {c} on {b} = {r:.2f}:1" for s, c, b, r in low)
    backgrounds = {background for _selector, _colour, background, _ratio in measured}
    assert len(backgrounds) >= 2  # measured on the page and on the header at least


def test_focus_indicator_contrasts_3_to_1_on_login_page_and_its_error_summary(page):
    page.goto("/login")
    assert_focus_visible(page, [".skip-link", ".header-tools button[name=lang]", ".brand a", "#email", "#password",
                                "main button[type=submit]"])

    page.locator("#email").fill("nobody@example.org")
    with page.expect_navigation(wait_until="load"):  # the new page's stylesheet applied before anything is measured
        page.locator("main button[type=submit]").click()  # no password: the error summary
    page.locator("#error-summary").wait_for()
    assert_focus_visible(page, ["#error-summary", "#error-summary a", "#password", ".header-tools button"])


@pytest.mark.parametrize("lang", ["de", "en"])
def test_focus_indicator_contrasts_3_to_1_on_the_queue(page, lang):
    login(page, HWK_CLERK, lang=lang)
    page.goto("/cases")
    assert_focus_visible(page, ["nav a", "nav a[aria-current=page]", ".header-tools button", "#q", "main select",
                                "main input[type=checkbox]", "table.queue tbody a", "main .button",
                                ".table-scroll[tabindex]"])


def test_focus_indicator_contrasts_3_to_1_on_the_case_file_and_a_refusal(page, hwk_case):
    case_id = hwk_case("Fokus", in_review=True)
    login(page, HWK_CLERK)
    page.goto(f"/cases/{case_id}")
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    assert_focus_visible(page, ["nav a", "main summary", "main a", "main .button", "main select",
                                "main input[type=text], main textarea"])

    page.goto("/cases/new")
    with page.expect_navigation(wait_until="load"):
        page.locator("main form button[type=submit]").click()
    page.locator("#error-summary").wait_for()
    assert_focus_visible(page, ["#error-summary", "#error-summary a", "#procedure", "main .button", "nav a"])


# --- the new-case form ---------------------------------------------------------------------------------------

FIELD_WIDTHS = """() => Object.fromEntries(
  ['procedure', 'given_names', 'family_name', 'profession', 'reference_occupation', 'employer', 'email']
    .filter(id => document.getElementById(id))
    .map(id => [id, document.getElementById(id).getBoundingClientRect().width]))"""


def test_new_case_text_fields_take_the_form_width(page):
    login(page, HWK_CLERK)
    page.goto("/cases/new")
    widths = page.evaluate(FIELD_WIDTHS)
    fieldset = page.locator("main form fieldset").first.evaluate("f => f.clientWidth")

    assert widths["profession"] >= 600, widths
    for name in ("given_names", "family_name", "profession", "reference_occupation"):
        assert abs(widths[name] - widths["procedure"]) <= 2, widths
        assert widths[name] >= 0.9 * fieldset, (widths, fieldset)
    long_name = "Kỹ thuật viên cơ điện tử công nghiệp (Cao đẳng chuyên ngành Cơ điện tử, hệ chính quy)"
    page.locator("#profession").fill(long_name)
    assert page.locator("#profession").evaluate("input => input.scrollWidth <= input.clientWidth")


def test_new_case_fields_still_reflow_at_320_pixels(new_page):
    page = new_page()
    login(page, HWK_CLERK)
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto("/cases/new")

    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") == 0
    for name, width in page.evaluate(FIELD_WIDTHS).items():
        assert 200 <= width <= 320, (name, width)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_each_queue_filter_box_stays_on_the_line_of_its_label_on_a_phone(page, lang):
    """Browser review: at 375 px the box of "abgeschlossene Fälle" / "closed cases" ended one line and its label
    began the next, so the box beside a label was another filter's."""
    login(page, HWK_CLERK, lang=lang)
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/cases")
    for name in ("overdue", "week", "closed", "docs", "unread"):
        box = page.locator(f"#{name}").bounding_box()
        label = page.locator(f"label[for={name}]").bounding_box()
        assert label["y"] <= box["y"] + box["height"] / 2 <= label["y"] + label["height"], name
        assert box["x"] < label["x"], name

// Contrast ratios (WCAG 2.x) of borders or focus outlines against what lies behind each element.
// Called with [[what, selector, "border" | "outline"], ...]; returns [[what, element, ratio], ...] for the
// visible elements found (ratio 0 for a focused element drawing no outline at least 2px wide).
(selectors) => {
  const parse = (css) => {
    const v = css.match(/[\d.]+/g).map(Number);
    return { r: v[0], g: v[1], b: v[2], a: v.length > 3 ? v[3] : 1 };
  };
  const channel = (v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  const ratio = (a, b) => {
    const [light, dark] = [luminance(a), luminance(b)].sort((p, q) => q - p);
    return (light + 0.05) / (dark + 0.05);
  };
  const behind = (element) => {
    for (let e = element; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.a > 0) return c;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const found = [];
  for (const [what, selector, property] of selectors) {
    for (const element of document.querySelectorAll(selector)) {
      if (!element.offsetParent) continue;
      const style = getComputedStyle(element);
      const label = element.outerHTML.slice(0, 80);
      if (property === "outline" && (style.outlineStyle === "none" || parseFloat(style.outlineWidth) < 2)) {
        found.push([what, label, 0]);
        continue;
      }
      const color = parse(property === "outline" ? style.outlineColor : style.borderTopColor);
      found.push([what, label, Math.round(ratio(color, behind(element.parentElement)) * 100) / 100]);
    }
  }
  return found;
}

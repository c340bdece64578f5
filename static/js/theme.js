// The header's theme toggle: dark or light, stored in localStorage (base.html applies it before the page
// paints); with nothing stored the page follows the system's prefers-color-scheme. Without JavaScript
// the toggle is hidden and the system's choice applies.
"use strict";

(function () {
  const root = document.documentElement;
  const button = document.getElementById("theme-toggle");
  if (!button) return;
  const system = window.matchMedia("(prefers-color-scheme: dark)");
  const current = () => root.dataset.theme || (system.matches ? "dark" : "light");

  function show() {
    button.setAttribute("aria-pressed", String(current() === "dark"));
  }

  button.addEventListener("click", () => {
    const next = current() === "dark" ? "light" : "dark";
    root.dataset.theme = next;
    try {
      localStorage.setItem("theme", next);
    } catch (err) {
      /* storage refused (private mode): the choice lasts for this page */
    }
    show();
  });
  system.addEventListener("change", show);
  show();
})();

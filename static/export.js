// Exportation vers la paie: Tout sélectionner, the selection's count, and Envoyer's
// confirmation as a modal dialog (the server renders it; this only opens and closes it).
(function () {
  "use strict";

  function boxes() {
    return Array.from(document.querySelectorAll('#export-list input[type="checkbox"][name="sheet"]:not(:disabled)'));
  }

  function summarize() {
    const out = document.getElementById("export-selection");
    if (!out) return;
    const chosen = boxes().filter(function (box) { return box.checked; });
    if (!chosen.length) {
      out.textContent = out.dataset.none;
    } else {
      const hours = chosen.reduce(function (sum, box) { return sum + (parseFloat(box.dataset.hours) || 0); }, 0);
      const lang = out.dataset.lang || document.documentElement.lang;
      const figures = new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
      const count = new Intl.NumberFormat(lang);
      out.textContent = out.dataset.some
        .replace("{sheets}", count.format(chosen.length))
        .replace("{hours}", figures.format(hours) + "\u00a0h");
    }
    const all = document.getElementById("export-select-all");
    const none = document.getElementById("export-select-none");
    if (all) all.disabled = !boxes().some(function (box) { return !box.checked; });
    if (none) none.disabled = !chosen.length;
  }

  function selectAll(checked) {
    boxes().forEach(function (box) { box.checked = checked; });
    summarize();
  }

  function wire() {
    ["export-select-all", "export-select-none"].forEach(function (id) {
      const button = document.getElementById(id);
      if (button) button.hidden = false;
    });
    summarize();
  }

  document.addEventListener("click", function (event) {
    const target = event.target.closest("button");
    if (!target) return;
    if (target.id === "export-select-all") selectAll(true);
    else if (target.id === "export-select-none") selectAll(false);
    else if (target.id === "export-confirm-cancel") {
      const dialog = target.closest("dialog");
      if (dialog) dialog.close("cancel");
    }
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches('#export-list input[name="sheet"]')) summarize();
  });

  // The confirmation arrives by htmx: open it as a modal (focus moves into it, Escape closes).
  function openConfirmation(dialog) {
    if (!dialog.open) dialog.showModal();
    dialog.addEventListener("close", function () {
      if (!dialog.isConnected) return; // replaced by a new confirmation
      const placeholder = document.createElement("div");
      placeholder.id = "export-confirm";
      dialog.replaceWith(placeholder);
      if (dialog.returnValue !== "sent") {
        const send = document.getElementById("export-send-button");
        if (send) send.focus();
      }
    }, { once: true });
  }

  document.addEventListener("htmx:load", function (event) {
    const elt = event.detail.elt;
    if (elt.matches && elt.matches("dialog#export-confirm")) openConfirmation(elt);
    if (elt.id === "export-list") summarize();
  });

  // Confirmed: close the dialog once its answer is on the page, and put focus on that answer
  // (the batch's progress, or the Aperçu saying why nothing was sent).
  document.addEventListener("htmx:afterRequest", function (event) {
    const elt = event.detail.elt;
    const dialog = elt && elt.closest && elt.closest("dialog#export-confirm");
    if (!dialog || !dialog.isConnected) return; // none, or a new confirmation took its place
    dialog.close("sent");
    const retarget = event.detail.xhr && event.detail.xhr.getResponseHeader("HX-Retarget");
    const answer = document.querySelector(retarget || "#export-progress");
    if (answer) {
      if (!answer.hasAttribute("tabindex")) answer.setAttribute("tabindex", "-1");
      answer.focus();
    }
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", wire);
  else wire();
})();

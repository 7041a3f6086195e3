// Toasts (top right) for the HX-Trigger "toast" event, and for requests that fail.
(function () {
  "use strict";

  function showToast(message, level) {
    const box = document.getElementById("toasts");
    const template = document.getElementById("toast-template");
    if (!box || !template || !message) return;
    const toast = template.content.firstElementChild.cloneNode(true);
    toast.classList.add("toast-" + (level || "success"));
    toast.querySelector(".toast-message").textContent = message;
    toast.querySelector(".toast-close").addEventListener("click", function () { toast.remove(); });
    box.appendChild(toast);
    const delay = level === "error" ? 12000 : 6000;
    window.setTimeout(function () { toast.remove(); }, delay);
  }

  document.addEventListener("toast", function (event) {
    const detail = event.detail || {};
    showToast(detail.message, detail.level);
  });

  // An error response carries its own toast in HX-Trigger; this covers one that does not.
  document.addEventListener("htmx:responseError", function (event) {
    const xhr = event.detail.xhr;
    if (xhr && xhr.getResponseHeader("HX-Trigger")) return;
    showToast((xhr && xhr.responseText || "").slice(0, 300) || "Erreur " + (xhr && xhr.status), "error");
  });

  document.addEventListener("htmx:sendError", function () {
    const template = document.getElementById("network-error");
    showToast(template ? template.dataset.message : "Network error", "error");
  });

  // A sign-in that expired during an htmx request: go to the sign-in page.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 401) event.detail.shouldSwap = false;
  });
})();

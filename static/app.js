// The portal's small script: what htmx does not do by itself for keyboard and screen-reader
// users. Nothing here is needed for a page to work without JavaScript.
//
// 1. Focus after a swap — "data-focus-after-swap". After htmx swaps in the answer to a request
//    a person made (a click, a key, a change; never a poll or a "load"), the focus goes to:
//    a. the element of the new content marked `data-focus-after-swap` — the result of Tester or
//       of Envoyer, a refused field — made focusable (tabindex="-1") when it is not;
//    b. else, when the swap replaced the control that had the focus, the first field marked
//       aria-invalid="true" (a form re-rendered with its errors).
//    Then, if the focus is lost because the control that had it was replaced (also by a poll):
//    c. the same control in the new content: same id (htmx does that itself), else the same
//       `data-focus-key` (the control's own or an ancestor's: a form's key stands for all its
//       controls, so Enregistrer/Annuler can send the focus back to the button that opened
//       the form), else the control doing the same thing (same name, hx-get/hx-post, href or
//       form action); else the control at the same place; else the first control; else the
//       row itself — all looked for in the control's row (its nearest ancestor with an id, when
//       the new content has it again: a line's <tr id> inside a redrawn table), else in the
//       whole new content.
//    An `autofocus` field of the new content (htmx focuses it) wins over c. So: re-render a row
//    with hx-target="closest tr" hx-swap="outerHTML" and the focus stays on its "Modifier";
//    mark a result with `data-focus-after-swap` and the focus lands on it.
//
// 2. Selects that save when the choice is committed — "data-save-on-commit". A select with this
//    attribute, in a form with hx-trigger="choice-committed", saves when the person commits a
//    choice: picks an option with the mouse, presses Enter, or leaves the select (Tab) on
//    another value than the saved one. Arrow keys and typing on the closed select only move
//    through the options (a screen reader reads each one) and save nothing; Escape puts the
//    saved value back. The saved value is the option rendered `selected`, and in a filter
//    form (role="search") the last choice committed. The select's own change events never
//    reach its form.
//
// 3. Toasts, for the HX-Trigger "toast" event and for requests that fail: announced through the
//    live regions of base.html (#toasts-status polite, #toasts-alert assertive, like role=status
//    and role=alert without making every page hold an empty "alert"), there from the start. A success toast goes away after a few seconds (not while it is hovered or
//    focused); an error toast stays until closed with its button or Escape.
//
// 4. Pickers — "data-picker-search": the search field beside a select that the server narrows.
//    A console row's field, hidden without htmx, is shown; an employee picker's is always there
//    (without JavaScript its form sends it). Typing never submits the surrounding form, and
//    Enter goes to the narrowed select.
(function () {
  "use strict";

  // ---- 1. Focus after a swap -------------------------------------------------------------

  const FOCUSABLE = "a[href], button, input:not([type=hidden]), select, textarea, [tabindex]";
  const requests = new WeakMap(); // xhr → what the focus was when the request left

  function focusables(root) {
    const found = root.matches && root.matches(FOCUSABLE) ? [root] : [];
    found.push.apply(found, root.querySelectorAll ? root.querySelectorAll(FOCUSABLE) : []);
    return found.filter(function (elt) {
      return !elt.disabled && elt.tabIndex >= 0 && !elt.closest("[hidden]") &&
        elt.getClientRects().length > 0;
    });
  }

  function focusKey(elt) {
    const keyed = elt.closest("[data-focus-key]");
    if (keyed) return keyed.dataset.focusKey;
    const form = elt.form || elt.closest("form");
    // A link's rel outlives its href: "Suivante" (rel=next) is still "Suivante" on the next page.
    return [elt.tagName, elt.type, elt.name, elt.getAttribute("hx-get"), elt.getAttribute("hx-post"),
      elt.getAttribute("rel") || elt.getAttribute("href"),
      form && (form.getAttribute("hx-post") || form.getAttribute("action"))].join("|");
  }

  function byUser(event) {
    return !!event && (event.isTrusted || !!(event.detail && event.detail.byUser));
  }

  function lost() {
    const active = document.activeElement;
    return !active || active === document.body || !active.isConnected;
  }

  function focusOn(elt) {
    if (!elt) return false;
    if (elt.tabIndex < 0 && !elt.hasAttribute("tabindex")) elt.setAttribute("tabindex", "-1");
    elt.focus({ preventScroll: false });
    return document.activeElement === elt;
  }

  function remember(xhr, target) {
    const info = requests.get(xhr);
    const active = document.activeElement;
    if (!info || !active || active === document.body) return;
    if (target && target.contains(active)) {
      // Its row: the nearest element with an id around it (the target at the most).
      let row = active.parentElement;
      while (row && row !== target && !row.id) row = row.parentElement;
      row = row || target;
      info.replaced = { id: active.id, key: focusKey(active), row: row.id, index: focusables(row).indexOf(active) };
    }
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    const config = event.detail.requestConfig || {};
    requests.set(event.detail.xhr, { byUser: byUser(config.triggeringEvent), trigger: event.detail.elt, roots: [] });
    remember(event.detail.xhr, event.detail.target);
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    remember(event.detail.xhr, event.detail.target);
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    const info = requests.get(event.detail.xhr);
    if (!info) return;
    info.roots.push(event.target);
    if (info.roots.length === 1) queueMicrotask(function () { placeFocus(info); });
  });

  function placeFocus(info) {
    const roots = info.roots.filter(function (root) { return root.isConnected; });
    const find = function (selector) {
      for (const root of roots) {
        const found = root.matches(selector) ? root : root.querySelector(selector);
        if (found) return found;
      }
      return null;
    };
    if (info.byUser && focusOn(find("[data-focus-after-swap]"))) return;
    if (info.byUser && info.replaced && focusOn(find("[aria-invalid=true]"))) return;
    const active = document.activeElement;
    const strayed = active && info.replaced && info.replaced.id && active.id === info.replaced.id &&
      !roots.some(function (root) { return root.contains(active); }); // htmx found a namesake elsewhere
    if (!lost() && !strayed) return; // htmx kept it (same id, autofocus), or the person is elsewhere
    if (info.replaced) {
      const row = info.replaced.row && document.getElementById(info.replaced.row);
      const places = row && roots.some(function (root) { return root.contains(row); }) ? [row] : roots;
      const controls = [].concat.apply([], places.map(focusables));
      const same = controls.filter(function (elt) { return focusKey(elt) === info.replaced.key; });
      const candidate = same[0] || controls[info.replaced.index] || controls[0] || places[0];
      focusOn(candidate);
    } else if (info.byUser && info.trigger && info.trigger.isConnected) {
      focusOn(info.trigger); // hx-disabled-elt took the focus away from the button
    }
  }

  // ---- 2. Selects that save when the choice is committed -----------------------------------

  const MOVES = ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End", "PageUp", "PageDown"];
  let movingWithKeys = null; // the select whose keydown is changing its value right now

  function savedValue(select) {
    const saved = Array.prototype.find.call(select.options, function (option) { return option.defaultSelected; });
    return saved ? saved.value : (select.options[0] ? select.options[0].value : "");
  }

  function commitChoice(select) {
    if (select.value === savedValue(select) || select.dataset.committing === select.value) return;
    select.dataset.committing = select.value;
    if (select.form && select.form.getAttribute("role") === "search") {
      // A filter is not re-rendered with its list: what it now filters on is the saved value.
      Array.prototype.forEach.call(select.options, function (option) {
        option.defaultSelected = option.value === select.value;
      });
    }
    select.dispatchEvent(new CustomEvent("choice-committed", { bubbles: true, detail: { byUser: true } }));
  }

  function commitSelect(event) {
    return event.target.closest ? event.target.closest("select[data-save-on-commit]") : null;
  }

  document.addEventListener("keydown", function (event) {
    const select = commitSelect(event);
    if (!select) return;
    if (event.key === "Enter") {
      event.preventDefault();
      commitChoice(select);
    } else if (event.key === "Escape") {
      select.value = savedValue(select);
    } else if ((MOVES.indexOf(event.key) >= 0 && !event.altKey) || event.key.length === 1) {
      movingWithKeys = select; // the change this key causes is a step, not a choice
      window.setTimeout(function () { movingWithKeys = null; }, 0);
    }
  });

  // Captured before the form sees it: a form around such a select (a filter's
  // hx-trigger="change") reacts to the committed choice only, never to an arrow step.
  document.addEventListener("change", function (event) {
    const select = commitSelect(event);
    if (!select) return;
    event.stopPropagation();
    if (select !== movingWithKeys) commitChoice(select);
  }, true);

  document.addEventListener("focusout", function (event) {
    const select = commitSelect(event);
    if (select) commitChoice(select);
  });

  // ---- 3. Toasts ---------------------------------------------------------------------------

  let focusBeforeToasts = null;

  function closeToast(toast) {
    const hadFocus = toast.contains(document.activeElement);
    toast.remove();
    if (!hadFocus) return;
    const next = document.querySelector("#toasts .toast-close");
    focusOn(next || (focusBeforeToasts && focusBeforeToasts.isConnected ? focusBeforeToasts : document.getElementById("main")));
  }

  function showToast(message, level) {
    const region = document.getElementById(level === "error" ? "toasts-alert" : "toasts-status");
    const template = document.getElementById("toast-template");
    if (!region || !template || !message) return;
    const toast = template.content.firstElementChild.cloneNode(true);
    toast.classList.add("toast-" + (level || "success"));
    toast.querySelector(".toast-message").textContent = message;
    toast.querySelector(".toast-close").addEventListener("click", function () { closeToast(toast); });
    region.appendChild(toast);
    if (level === "error") return; // stays until the person closes it
    const expire = function () {
      if (!toast.isConnected) return;
      if (toast.matches(":hover") || toast.contains(document.activeElement)) window.setTimeout(expire, 2000);
      else toast.remove();
    };
    window.setTimeout(expire, 6000);
  }

  document.addEventListener("focusin", function (event) {
    if (!event.target.closest("#toasts")) focusBeforeToasts = event.target;
  });

  document.addEventListener("keydown", function (event) {
    const toast = event.key === "Escape" && event.target.closest && event.target.closest("#toasts .toast");
    if (toast) closeToast(toast);
  });

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

  // ---- 4. Pickers --------------------------------------------------------------------------

  document.addEventListener("htmx:load", function (event) {
    const root = event.detail.elt;
    const fields = root.querySelectorAll ? root.querySelectorAll("[data-picker-search][hidden]") : [];
    Array.prototype.forEach.call(fields, function (field) { field.hidden = false; });
  });

  // Typing a search narrows the select; it is not a change of the filters around it.
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-picker-search]")) event.stopPropagation();
  }, true);

  document.addEventListener("keydown", function (event) {
    const search = event.key === "Enter" && event.target.matches && event.target.matches("[data-picker-search]");
    if (!search) return;
    event.preventDefault(); // Enter goes to the narrowed list, it does not submit the filters
    const select = document.getElementById(event.target.getAttribute("aria-controls"));
    if (select) select.focus();
  });
})();

// Reception visit screen: keyboard-first. Without this file the form still works:
// checkboxes, number fields and a submit button.
(function () {
  "use strict";
  var form = document.querySelector(".visit-form");
  if (!form) { return; }

  function isTextEntry(element) {
    if (!element) { return false; }
    var tag = element.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") { return true; }
    return tag === "INPUT" && !/^(checkbox|radio|button|submit|hidden)$/.test(element.type);
  }

  function step(input, delta) {
    var value = parseInt(input.value || "0", 10);
    if (isNaN(value)) { value = 0; }
    input.value = Math.max(0, value + delta) || "";
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // Service shortcuts: the letter alone when not typing in a field, Alt + letter anywhere.
  var shortcuts = {};
  form.querySelectorAll("input[data-shortcut]").forEach(function (box) {
    shortcuts[box.getAttribute("data-shortcut").toLowerCase()] = box;
  });
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.key.length !== 1) { return; }
    var box = shortcuts[event.key.toLowerCase()];
    if (!box && event.altKey && event.code && event.code.indexOf("Key") === 0) {
      box = shortcuts[event.code.slice(3).toLowerCase()];  // Alt changes event.key on macOS
    }
    if (!box && event.altKey) {
      // Alt + letter of a link or button with that access key (the overdose form: Alt+I).
      var link = document.querySelector("[accesskey='" + event.key.toLowerCase() + "']");
      if (link) { event.preventDefault(); link.click(); }
      return;
    }
    if (!box || (!event.altKey && isTextEntry(event.target))) { return; }
    event.preventDefault();
    box.checked = !box.checked;
    box.closest("label").classList.toggle("on", box.checked);
  });
  Object.keys(shortcuts).forEach(function (key) {
    var box = shortcuts[key];
    box.closest("label").classList.toggle("on", box.checked);
    box.addEventListener("change", function () {
      box.closest("label").classList.toggle("on", box.checked);
    });
  });

  // Alt + digit jumps to a part of the form: 1 code, 2 material, 3 returns, 4 remark.
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey) { return; }
    var digit = event.code && event.code.indexOf("Digit") === 0 ? event.code.slice(5) : event.key;
    var target = form.querySelector("[data-jump='" + digit + "']");
    if (!target) { return; }
    event.preventDefault();
    target.focus();
    if (target.select) { target.select(); }
  });

  // Counters: the − and + buttons, and the + and − keys inside a quantity field.
  form.querySelectorAll("button.step").forEach(function (button) {
    button.addEventListener("click", function () {
      step(document.getElementById(button.getAttribute("data-target")),
           parseInt(button.getAttribute("data-step"), 10));
    });
  });
  form.querySelectorAll(".counter input[type=number]").forEach(function (input) {
    input.addEventListener("keydown", function (event) {
      if (event.key === "+" || event.key === "-") {
        event.preventDefault();
        step(input, event.key === "+" ? 1 : -1);
      }
    });
    var max = parseInt(input.getAttribute("data-max"), 10);
    input.addEventListener("input", function () {
      input.closest(".counter").classList.toggle("over-max", parseInt(input.value, 10) > max);
    });
  });

  // Enter saves from anywhere in the form (checkboxes and radios included), once.
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.target.tagName === "TEXTAREA" ||
        event.target.tagName === "BUTTON" || event.target.tagName === "A") { return; }
    event.preventDefault();
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  });
  form.addEventListener("submit", function () {
    var button = form.querySelector("button[type=submit]");
    // Let the request go, then block a second one; the server also refuses duplicates.
    setTimeout(function () { if (button) { button.disabled = true; } }, 0);
  });

  // Start where the work starts: the first field in error, or the person code.
  var first = form.querySelector("[aria-invalid=true]") || form.querySelector("#code");
  if (first) { first.focus(); }
})();

// The assessment form on a phone in the field (Part 5): the answers are kept on the device while
// they are typed, so a dropped connection, a reload or a closed tab loses nothing; a submit that
// cannot reach the server is retried when the connection returns, with the same idempotency key,
// so the server stores it once.
(function () {
  "use strict";
  var PENDING = ":pending";

  function store() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function clearDone() {
    var done = document.querySelector("[data-clear-draft]");
    var ls = store();
    if (done && ls) {
      ls.removeItem(done.dataset.clearDraft);
      ls.removeItem(done.dataset.clearDraft + PENDING);
    }
  }

  function form() { return document.getElementById("assess-form"); }

  function collect(f) {
    var data = {};
    Array.prototype.forEach.call(f.elements, function (el) {
      if (!el.name || el.type === "file" || el.name === "csrfmiddlewaretoken") return;
      if (el.type === "radio") { if (el.checked) data[el.name] = el.value; return; }
      data[el.name] = el.value;
    });
    return data;
  }

  function save() {
    var f = form(), ls = store();
    if (!f || !ls) return;
    ls.setItem(f.dataset.draftKey, JSON.stringify({ saved: Date.now(), fields: collect(f) }));
  }

  function restore(f) {
    var ls = store();
    if (!ls) return false;
    var raw = ls.getItem(f.dataset.draftKey);
    if (!raw) return false;
    var draft;
    try { draft = JSON.parse(raw); } catch (e) { return false; }
    var fields = draft.fields || {};
    Object.keys(fields).forEach(function (name) {
      var els = f.elements[name];
      if (!els) return;
      if (els.length !== undefined && els[0] && els[0].type === "radio") {
        Array.prototype.forEach.call(els, function (el) { el.checked = el.value === fields[name]; });
      } else if (els.type !== "file") {
        els.value = fields[name];
      }
    });
    return true;
  }

  function banner(text) {
    var el = document.getElementById("offline-banner");
    if (!el) return;
    el.querySelector(".msg").textContent = text;
    el.classList.toggle("d-none", !text);
  }

  function init() {
    clearDone();
    var f = form();
    if (!f || f.dataset.ready) return;
    f.dataset.ready = "1";
    var hasErrors = document.querySelector("[data-testid=form-errors]");
    // After a refused submit the server shows what was sent; otherwise the device's draft wins.
    if (!hasErrors && restore(f)) {
      document.getElementById("draft-banner").classList.remove("d-none");
      showLocation();
    }
    if (store() && store().getItem(f.dataset.draftKey + PENDING)) banner(f.dataset.msgOffline);
    f.addEventListener("input", save);
    f.addEventListener("change", save);
    var discard = document.getElementById("draft-discard");
    if (discard) discard.addEventListener("click", function () {
      store().removeItem(f.dataset.draftKey);
      store().removeItem(f.dataset.draftKey + PENDING);
      window.location.reload();
    });
    var locate = document.getElementById("locate");
    if (locate) locate.addEventListener("click", function () {
      if (!navigator.geolocation) { status(locate.dataset.msgDenied); return; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        f.elements.lat.value = pos.coords.latitude.toFixed(6);
        f.elements.lon.value = pos.coords.longitude.toFixed(6);
        f.elements.accuracy.value = Math.round(pos.coords.accuracy);
        save();
        showLocation();
      }, function () { status(locate.dataset.msgDenied); }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
    });
    var photo = f.elements.photo;
    if (photo) photo.addEventListener("change", function () { shrink(photo); });
  }

  function status(text) {
    var el = document.getElementById("location-status");
    if (el) el.textContent = text;
  }

  function showLocation() {
    var f = form();
    var locate = document.getElementById("locate");
    if (f && f.elements.lat.value && locate) {
      status(locate.dataset.msgLocated + ": " + f.elements.lat.value + ", " + f.elements.lon.value +
        (f.elements.accuracy.value ? " (± " + f.elements.accuracy.value + " m)" : ""));
    }
  }

  // A phone photo is often 4–8 MB: send a 1600-pixel JPEG instead, over a weak connection.
  function shrink(input) {
    var file = input.files && input.files[0];
    if (!file || !/^image\/(jpeg|png)$/.test(file.type) || !window.DataTransfer) return;
    var img = new Image();
    img.onload = function () {
      var scale = Math.min(1, 1600 / Math.max(img.width, img.height));
      if (scale === 1 && file.size < 1500000) return;
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(img.width * scale);
      canvas.height = Math.round(img.height * scale);
      canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(function (blob) {
        if (!blob) return;
        var dt = new DataTransfer();
        dt.items.add(new File([blob], file.name.replace(/\.\w+$/, "") + ".jpg", { type: "image/jpeg" }));
        input.files = dt.files;
      }, "image/jpeg", 0.8);
      URL.revokeObjectURL(img.src);
    };
    img.src = URL.createObjectURL(file);
  }

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);

  document.addEventListener("htmx:beforeRequest", function (evt) {
    var f = form();
    if (!f || evt.detail.elt !== f) return;
    save();
    var button = f.querySelector("[type=submit]");
    if (button) button.disabled = true;
  });
  document.addEventListener("htmx:afterRequest", function (evt) {
    var f = form();
    if (!f) return;
    var button = f.querySelector("[type=submit]");
    if (button) button.disabled = false;
  });
  // A refused submit (400) carries the form with its messages: show it like a success.
  document.addEventListener("htmx:beforeSwap", function (evt) {
    if (evt.detail.xhr.status === 400) { evt.detail.shouldSwap = true; evt.detail.isError = false; }
  });
  document.addEventListener("htmx:sendError", function () {
    var f = form();
    if (!f) return;
    if (store()) store().setItem(f.dataset.draftKey + PENDING, "1");
    banner(f.dataset.msgOffline);
  });
  document.addEventListener("htmx:responseError", function (evt) {
    var f = form();
    if (f && evt.detail.xhr.status >= 500) banner(f.dataset.msgFailed);
  });
  window.addEventListener("offline", function () {
    var f = form();
    if (f) banner(f.dataset.msgOffline);
  });
  window.addEventListener("online", function () {
    var f = form();
    if (!f) return;
    banner("");
    if (store() && store().getItem(f.dataset.draftKey + PENDING)) {
      store().removeItem(f.dataset.draftKey + PENDING);
      banner(f.dataset.msgSending);
      f.requestSubmit();
    }
  });
})();

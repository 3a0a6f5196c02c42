// Canned responses on the ticket page: filter by typed words; a click inserts the filled text at
// the cursor of the reply box (the link itself still works without JavaScript).
(function () {
  var picker = document.getElementById("canned-picker");
  if (!picker) { return; }
  var search = document.getElementById("canned-search");
  var options = picker.querySelectorAll(".canned-option");
  var none = document.getElementById("canned-none");
  search.addEventListener("input", function () {
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    options.forEach(function (option) {
      var text = option.getAttribute("data-search");
      var match = words.every(function (w) { return text.indexOf(w) !== -1; });
      option.classList.toggle("d-none", !match);
      if (match) { shown += 1; }
    });
    none.classList.toggle("d-none", shown > 0);
  });
  options.forEach(function (option) {
    option.addEventListener("click", function (event) {
      var box = document.getElementById("reply-text");
      if (!box) { return; }
      event.preventDefault();
      fetch(option.getAttribute("data-canned-url"), {credentials: "same-origin"})
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.text();
        })
        .then(function (text) {
          var start = box.selectionStart, end = box.selectionEnd;
          box.value = box.value.slice(0, start) + text + box.value.slice(end);
          box.focus();
          box.setSelectionRange(start + text.length, start + text.length);
        })
        .catch(function () { window.location = option.href; });
    });
  });
})();

// The ticket desk: small enhancements only; every action also works as a plain form.
document.addEventListener("htmx:afterSwap", function (event) {
  // A canned response swapped into the reply box: put the cursor at its end.
  if (event.detail.target && event.detail.target.id === "reply-text") {
    var box = document.getElementById("reply-text");
    if (box) { box.focus(); box.setSelectionRange(box.value.length, box.value.length); }
  }
});

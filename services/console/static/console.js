// What a person typed is never replaced by a template that arrives after it.
// Choosing the kind of answer fetches that kind's template text (htmx, case.html); on a slow
// link the template can land after the agency has started typing. The swap is skipped then:
// the box is replaced only while it is empty or still holds the text it came with.
document.addEventListener("htmx:beforeSwap", function (event) {
  var target = event.detail.target;
  if (!target || target.id !== "message-box") return;
  var box = document.getElementById("message");
  if (box && box.value !== "" && box.value !== box.defaultValue) {
    event.detail.shouldSwap = false;
  }
});

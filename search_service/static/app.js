// Small enhancements; every page works without them.
(function () {
  "use strict";

  function copyWithSelection(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.appendChild(area);
    area.select();
    var ok = document.execCommand("copy");
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  // The async clipboard API needs a secure, focused page; the selection copy covers the rest.
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return copyWithSelection(text); });
    }
    return copyWithSelection(text);
  }

  // "复制引用": the buttons are hidden until this script shows them.
  document.querySelectorAll("button.copy-citation").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = button.getAttribute("data-citation");
      copyText(text).then(function () {
        button.textContent = "已复制";
        button.classList.add("copied");
      }, function () {
        window.prompt("复制以下引用：", text);
      }).finally(function () {
        setTimeout(function () { button.textContent = "复制引用"; button.classList.remove("copied"); }, 2000);
      });
    });
  });

  // Restored / as-scraped toggle in place, keeping the shareable ?view= URL in step.
  document.querySelectorAll("[data-toggle-view]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var article = document.getElementById("document");
      var scraped = article.classList.toggle("show-scraped");
      var url = new URL(window.location.href);
      if (scraped) { url.searchParams.set("view", "scraped"); } else { url.searchParams.delete("view"); }
      window.history.replaceState(null, "", url.toString());
    });
  });
}());

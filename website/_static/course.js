// An inline formula cannot wrap to the next line (MathJax 3 does not break them), so one
// wider than its paragraph (on a phone, say) becomes a box of its own that scrolls sideways,
// as display equations do, instead of running off the page. Checked again on resize.
window.addEventListener("load", () => {
  const markWideFormulas = () => {
    for (const formula of document.querySelectorAll("article mjx-container:not([display])")) {
      const math = formula.querySelector("mjx-math");
      const block = formula.closest("p, li, td, th, dd, div");
      if (!math || !block) continue;
      const style = getComputedStyle(block);
      const room = block.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      formula.classList.toggle("wide-formula", math.getBoundingClientRect().width > room);
    }
  };
  const typeset = window.MathJax?.startup?.promise ?? Promise.resolve();
  typeset.then(markWideFormulas);
  window.addEventListener("resize", markWideFormulas);
});

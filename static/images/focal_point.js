// The picture's change form: a click on the picture sets its focal point (the
// "focal point across/down" boxes, as fractions) and moves the marker there.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const picker = document.querySelector("[data-focal-picker]");
  if (!picker) return;
  const img = picker.querySelector("img");
  const marker = picker.querySelector(".focal-point-marker");
  const across = document.getElementById("id_focal_x");
  const down = document.getElementById("id_focal_y");
  const place = (x, y) => {
    marker.hidden = false;
    marker.style.left = `${x * img.clientWidth}px`;
    marker.style.top = `${y * img.clientHeight}px`;
  };
  const fromBoxes = () => {
    const x = parseFloat(across ? across.value : img.dataset.focalX);
    const y = parseFloat(down ? down.value : img.dataset.focalY);
    if (!Number.isNaN(x) && !Number.isNaN(y)) place(x, y);
  };
  img.addEventListener("click", (event) => {
    const box = img.getBoundingClientRect();
    const x = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
    const y = Math.min(1, Math.max(0, (event.clientY - box.top) / box.height));
    if (across) across.value = x.toFixed(3);
    if (down) down.value = y.toFixed(3);
    place(x, y);
  });
  for (const box of [across, down]) box && box.addEventListener("input", fromBoxes);
  if (img.complete) fromBoxes();
  else img.addEventListener("load", fromBoxes);
  window.addEventListener("resize", fromBoxes);
});

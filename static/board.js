// Refresh the board in place, without reloading the page (it works without this, too).
const board = document.getElementById("board");
const seconds = Number(board.dataset.refreshSeconds || 2);

async function refresh() {
  try {
    const response = await fetch("fragment", { credentials: "same-origin", cache: "no-store" });
    if (response.ok) board.innerHTML = await response.text();
  } catch (e) {
    // The next round tries again.
  }
}

setInterval(refresh, seconds * 1000);

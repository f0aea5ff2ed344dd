// The API key prompt: when the server wants a key, ask for one, keep it for this tab only
// (sessionStorage, never the URL), and say plainly whether it was missing, wrong or lacking READ.

import { apiKey, setApiKey } from "./api.js";

const dialog = document.getElementById("key-dialog");
const input = document.getElementById("key-input");
const message = document.getElementById("key-message");

/** What to tell the person about an error the key caused, or "" when the key is not why. */
export function keyProblem(error) {
  if (error.code === "FORBIDDEN") {
    return `This API key lacks the READ scope (${error.message}). Enter a key that has it.`;
  }
  if (error.code !== "UNAUTHENTICATED") return "";
  if (!apiKey()) return "This server requires an API key. Enter one with the READ scope.";
  return `The API key was refused (${error.message}). Check it, or enter another.`;
}

/** Open the prompt with this explanation (once, however many requests failed). */
export function askForKey(explanation) {
  message.textContent = explanation;
  if (!dialog.open) dialog.showModal();
  input.focus();
}

/** Keep (or forget) the key and start the page over with it: every query and socket uses it. */
function useKey(key) {
  setApiKey(key);
  location.reload();
}

export function setup() {
  document.getElementById("key-button").addEventListener("click", () => {
    askForKey(apiKey() ? "A key is set for this tab." : "No key is set for this tab.");
  });
  dialog.querySelector("form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (event.submitter?.value === "cancel") dialog.close();
    else useKey(event.submitter?.value === "forget" ? "" : input.value.trim());
  });
}

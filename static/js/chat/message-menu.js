// Owns the menu on messages: the ⋯ button (or a right-click, a long-press), the reactions picker and Reply
// on every message, Edit in place and Delete after a confirmation on the user's own.
// The button shows on hover; on touch screens a tap on the bubble opens the menu.
import { autoGrow, el, svgIcon } from "../lib/dom.js";
import { errorText } from "./connection.js";
import { idOf, textOf } from "./message.js";
import { createReactions } from "./reactions.js";

const MORE_ICON = "M5 12h.01M12 12h.01M19 12h.01";
const EDIT_ICON = "M4 20h4L19 9a2.8 2.8 0 0 0-4-4L4 16zM13.5 6.5l4 4";
const REPLY_ICON = "M10 8V4l-7 7 7 7v-4c5 0 8.5 1.5 11 5-1-5-4-10-11-11z";
const DELETE_ICON = "M4 7h16M10 11v6M14 11v6M6 7l1 12a2 2 0 0 0 2 2h6a2 2 0 0 0 2-2l1-12M9 7V4h6v3";
const EDITOR_LINES = 8;

export function createMessageMenu(ctx) {
  const { girlId, list, scroller, input, maxLength } = ctx;
  const { request } = ctx.connection;
  const touchScreen = window.matchMedia("(hover: none)");
  let openMenu = null;              // { node, menu }
  const reactions = createReactions(ctx);

  const isOwn = (node) => node.dataset.sender === "user";

  /** Extra controls for a message element; called whenever it is (re)registered. */
  function decorate(node) {
    reactions.nameQuote(node);
    if (!idOf(node) || node.querySelector(".message__more")) return;
    const more = el("button", "message__more");
    more.type = "button";
    more.setAttribute("aria-label", "Message actions");
    more.setAttribute("aria-haspopup", "menu");
    more.setAttribute("aria-expanded", "false");
    more.append(svgIcon(MORE_ICON, { size: 18, strokeWidth: 3.2 }));
    more.addEventListener("click", (event) => {
      event.stopPropagation();
      toggle(node);
    });
    node.prepend(more);
  }

  function toggle(node) {
    if (openMenu && openMenu.node === node) close();
    else open(node);
  }

  function menuItem(label, icon, className) {
    const item = el("button", `message-menu__item ${className}`);
    item.type = "button";
    item.setAttribute("role", "menuitem");
    item.append(svgIcon(icon, { size: 16 }), el("span", null, label));
    return item;
  }

  /** React and Reply on every finished message; Edit and Delete on the user's own. Online only (app.css
   *  hides a menu left open when the connection drops); a reply started before goes through the outbox. */
  function open(node) {
    close();
    if (!idOf(node) || node.dataset.status === "streaming" || node.classList.contains("message--editing")) return;
    if (!ctx.connection.connected) {
      ctx.notices.show("You're offline — react, reply, edit or delete when the connection is back.");
      return;
    }
    const menu = el("div", "message-menu");
    menu.setAttribute("role", "menu");
    menu.setAttribute("aria-label", "Message actions");
    const reply = menuItem("Reply", REPLY_ICON, "message-menu__reply");
    reply.addEventListener("click", () => {
      close();
      ctx.composer.startReply(node);
    });
    menu.append(reactions.picker(node, close), reply);
    if (isOwn(node)) {
      const edit = menuItem("Edit", EDIT_ICON, "message-menu__edit");
      const remove = menuItem("Delete", DELETE_ICON, "message-menu__delete");
      edit.addEventListener("click", () => {
        close();
        startEdit(node);
      });
      remove.addEventListener("click", () => confirmDelete(node, menu));
      if (node.dataset.type === "text") menu.append(edit); // a voice note is deleted, never edited
      menu.append(remove);
    }
    node.append(menu);
    node.classList.add("is-menu-open");
    const more = node.querySelector(".message__more");
    if (more) more.setAttribute("aria-expanded", "true");
    openMenu = { node, menu };
    position(node, menu);
    menu.querySelector("button").focus({ preventScroll: true });
  }

  /** Above the bubble, or below it when the top of the list has no room. */
  function position(node, menu) {
    menu.classList.remove("message-menu--below");
    const room = node.getBoundingClientRect().top - scroller.getBoundingClientRect().top;
    if (room < menu.offsetHeight + 12) menu.classList.add("message-menu--below");
  }

  function close() {
    if (!openMenu) return;
    const { node, menu } = openMenu;
    openMenu = null;
    menu.remove();
    node.classList.remove("is-menu-open");
    const more = node.querySelector(".message__more");
    if (more) more.setAttribute("aria-expanded", "false");
  }

  /** The element is leaving the list: its open menu goes with it. */
  function closeFor(node) {
    if (openMenu && openMenu.node === node) close();
  }

  function confirmDelete(node, menu) {
    menu.replaceChildren();
    menu.classList.add("message-menu--confirm");
    menu.setAttribute("role", "group");
    menu.setAttribute("aria-label", "Delete this message?");
    const question = el("p", "message-menu__question", "Delete this message?");
    const row = el("div", "message-menu__row");
    const cancel = el("button", "button button--ghost button--small message-menu__cancel", "Cancel");
    cancel.type = "button";
    cancel.addEventListener("click", close);
    const confirm = el("button", "button button--danger button--small message-menu__confirm", "Delete");
    confirm.type = "button";
    confirm.addEventListener("click", () => {
      const id = idOf(node);
      confirm.disabled = true;
      request("delete_message", { girl_id: girlId, message_id: id }, (error, ack) => {
        close();
        if (error) {
          ctx.notices.show("The server did not answer; the message was not deleted.");
          return;
        }
        if (!ack || !ack.ok) {
          if (ack && ack.error && ack.error.code === "not_found") ctx.messages.removeById(id); // already gone
          else ctx.notices.show(errorText(ack, "The message could not be deleted."));
          return;
        }
        ctx.messages.removeById(id);
      });
    });
    row.append(cancel, confirm);
    menu.append(question, row);
    position(node, menu);
    confirm.focus({ preventScroll: true });
  }

  document.addEventListener("pointerdown", (event) => {
    if (openMenu && !openMenu.node.contains(event.target)) close();
  }, true);

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !openMenu) return;
    const more = openMenu.node.querySelector(".message__more");
    close();
    if (more) more.focus({ preventScroll: true });
  });

  // On touch screens there is no hover: a tap on a bubble opens its menu.
  list.addEventListener("click", (event) => {
    if (!touchScreen.matches) return;
    const bubble = event.target.closest(".message > .bubble");
    if (!bubble || event.target.closest("a, button, textarea, form")) return;
    const node = bubble.parentNode;
    if (!idOf(node) || node.classList.contains("message--editing")) return;
    toggle(node);
  });

  // A right-click (a long-press on most phones) opens the menu too; links keep the browser's.
  list.addEventListener("contextmenu", (event) => {
    const node = event.target.closest(".message");
    if (!node || !idOf(node) || event.target.closest("a, textarea, form, .message-menu")) return;
    if (node.dataset.status === "streaming" || node.classList.contains("message--editing")) return;
    event.preventDefault();
    open(node);
  });

  // ------------------------------------------------------------ editing in place

  function startEdit(node) {
    if (node.classList.contains("message--editing")) return;
    const bubble = node.querySelector(".bubble");
    const original = textOf(node);
    const form = el("form", "message-editor");
    const area = el("textarea", "message-editor__input");
    area.value = original;
    area.rows = 1;
    area.maxLength = maxLength;
    area.setAttribute("aria-label", "Edit your message");
    area.setAttribute("enterkeyhint", "done");
    const actions = el("div", "message-editor__actions");
    const hint = el("span", "message-editor__hint", "Enter to save · Esc to cancel");
    const cancel = el("button", "message-editor__button message-editor__cancel", "Cancel");
    cancel.type = "button";
    const save = el("button", "message-editor__button message-editor__save", "Save");
    save.type = "submit";
    actions.append(hint, cancel, save);
    form.append(area, actions);
    bubble.append(form);
    node.classList.add("message--editing");
    autoGrow(area, EDITOR_LINES);
    area.focus({ preventScroll: true });
    area.setSelectionRange(area.value.length, area.value.length);

    const finish = () => {
      form.remove();
      node.classList.remove("message--editing");
      input.focus({ preventScroll: true });
    };
    cancel.addEventListener("click", finish);
    area.addEventListener("input", () => autoGrow(area, EDITOR_LINES));
    area.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        finish();
      } else if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const content = area.value.trim();
      if (save.disabled) return;
      if (!content || content.length > maxLength) {
        area.focus();
        return;
      }
      if (content === original) {
        finish();
        return;
      }
      save.disabled = true;
      area.readOnly = true;
      request("edit_message", { girl_id: girlId, message_id: idOf(node), content }, (error, ack) => {
        save.disabled = false;
        area.readOnly = false;
        if (error) {
          ctx.notices.show("The server did not answer; the message was not changed.");
          return;
        }
        if (!ack || !ack.ok) {
          ctx.notices.show(errorText(ack, "The message could not be changed."));
          return;
        }
        finish();
        if (ack.message) {
          ctx.messages.refresh(node, ack.message);
          ctx.messages.changed();
        }
      });
    });
  }

  return { decorate, close, closeFor };
}

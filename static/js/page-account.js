// The account page: deleting the account asks once more before the form is sent.

const deleteForm = document.querySelector("form.delete-account-form");
if (deleteForm) {
  deleteForm.addEventListener("submit", (event) => {
    if (!window.confirm(deleteForm.dataset.deleteConfirm)) event.preventDefault();
  });
}

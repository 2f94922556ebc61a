// Redacting a passage: selecting words in one part of the item fills the form (which part, and the exact text).
// Without JavaScript the DPO types or pastes the passage and chooses the part.
const item = document.querySelector('[data-redactable]')
const form = document.querySelector('[data-redaction-form]')
if (item && form) {
  item.addEventListener('mouseup', () => {
    const selection = window.getSelection()
    const text = selection ? selection.toString() : ''
    if (!text.trim() || !selection.anchorNode) return
    const holder = selection.anchorNode.parentElement && selection.anchorNode.parentElement.closest('[data-field]')
    if (!holder) return
    form.querySelector('[name="passage"]').value = text
    form.querySelector('[name="field"]').value = holder.dataset.field
  })
}

// The import's progress bar: asks for the counts every second and reloads the page once the import has ended.
// Without JavaScript the page says how far it has got when it is loaded, and links to itself.
const box = document.querySelector('[data-import-progress]')
if (box) {
  const bar = box.querySelector('progress')
  const text = box.querySelector('[data-import-progress-text]')
  const poll = async () => {
    try {
      const response = await fetch(box.dataset.importProgress, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      if (response.ok) {
        const progress = await response.json()
        bar.max = progress.total
        bar.value = progress.done
        bar.textContent = `${progress.percent}%`
        text.textContent = `${progress.done} of ${progress.total} rows done`
        if (progress.status !== 'queued' && progress.status !== 'running') {
          window.location.reload()
          return
        }
      }
    } catch (error) {
      // A dropped connection: try again on the next tick.
    }
    window.setTimeout(poll, 1000)
  }
  window.setTimeout(poll, 1000)
}

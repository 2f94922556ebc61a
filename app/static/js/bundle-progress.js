// The bundle's progress bar: asks for the counts every second and reloads the page once the build has ended.
// Without JavaScript the page refreshes itself (a meta refresh) and links to itself.
const box = document.querySelector('[data-bundle-progress]')
if (box) {
  const bar = box.querySelector('progress')
  const text = box.querySelector('[data-bundle-progress-text]')
  const poll = async () => {
    try {
      const response = await fetch(box.dataset.bundleProgress, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      if (response.ok) {
        const progress = await response.json()
        bar.max = progress.total || 1
        bar.value = progress.done
        bar.textContent = `${progress.percent}%`
        text.textContent = progress.status === 'queued' ? 'Waiting to start' : `${progress.done} of ${progress.total} done`
        if (progress.status !== 'queued' && progress.status !== 'building') {
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

// Times in the reader's time zone and language: clock times, day names for dividers, <time datetime> elements.

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", hour12: false });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: "long" });
const dateFormat = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
const longDateFormat = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "long", year: "numeric" });

/** An ISO time as a Date; now when it is missing or unreadable. */
export function parseTime(iso) {
  const date = iso ? new Date(iso) : new Date();
  return Number.isNaN(date.getTime()) ? new Date() : date;
}

export function formatClock(date) {
  return timeFormat.format(date);
}

export function startOfDay(date) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

function daysAgo(date) {
  return Math.round((startOfDay(new Date()) - startOfDay(date)) / 86400000);
}

/** A day divider: "Today", "Yesterday", a weekday this week, a date before. */
export function formatDay(date) {
  const ago = daysAgo(date);
  if (ago === 0) return "Today";
  if (ago === 1) return "Yesterday";
  if (ago > 1 && ago < 7) return dayFormat.format(date);
  return date.getFullYear() === new Date().getFullYear() ? dateFormat.format(date) : longDateFormat.format(date);
}

/** The list page: "14:05" today, "Yesterday", a weekday this week, a date before. */
function formatRelative(date) {
  const ago = daysAgo(date);
  if (ago === 0) return formatClock(date);
  if (ago === 1) return "Yesterday";
  if (ago > 1 && ago < 7) return dayFormat.format(date);
  return dateFormat.format(date);
}

/** Every <time datetime> under root in local time (data-format="relative": as on the list page). */
export function localizeTimes(root) {
  for (const time of root.querySelectorAll("time[datetime]")) {
    const date = new Date(time.getAttribute("datetime"));
    if (Number.isNaN(date.getTime())) continue;
    time.textContent = time.dataset.format === "relative" ? formatRelative(date) : formatClock(date);
    time.title = date.toLocaleString();
  }
}

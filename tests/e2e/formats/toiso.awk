# plain CSV (ts ms,...) -> the same flows with the time as text, in turn:
# "YYYY-MM-DD HH:MM:SS.fff" (UTC), ISO "…T…Z", ISO with +hh:mm, ISO with
# -hh:mm, and epoch seconds with a fraction.
# shift=S: the text times without a zone are S seconds ahead of UTC (for --tz).
function civil(days,   z, era, doe, yoe, y, doy, mp, d, m) {
  z = days + 719468; era = int(z / 146097); doe = z - era * 146097
  yoe = int((doe - int(doe / 1460) + int(doe / 36524) - int(doe / 146096)) / 365)
  y = yoe + era * 400; doy = doe - (365 * yoe + int(yoe / 4) - int(yoe / 100))
  mp = int((5 * doy + 2) / 153); d = doy - int((153 * mp + 2) / 5) + 1
  m = mp < 10 ? mp + 3 : mp - 9
  return sprintf("%04d-%02d-%02d", y + (m <= 2), m, d)
}
function text(sec, ms, sep,   days, r) {
  days = int(sec / 86400); r = sec - days * 86400
  return sprintf("%s%s%02d:%02d:%02d.%03d", civil(days), sep, int(r / 3600), int(r % 3600 / 60), r % 60, ms)
}
BEGIN { FS = OFS = "," }
{ sec = int($1 / 1000); ms = $1 % 1000; k = NR % 5
  if (k == 0) $1 = text(sec + shift, ms, " ")
  else if (k == 1) $1 = text(sec, ms, "T") "Z"
  else if (k == 2) $1 = text(sec + 5400, ms, "T") "+01:30"
  else if (k == 3) $1 = text(sec - 25200, ms, "T") "-07:00"
  else $1 = sprintf("%d.%03d", sec, ms)
  print }

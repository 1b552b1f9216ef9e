# plain CSV (ts ms, whole seconds,src,dst,port,bytes) -> nfdump 1.7's
# `nfdump -o csv`: 48 columns, times "YYYY-MM-DD HH:MM:SS" (UTC here), the
# rows in blocks of 7 written backwards (nfdump's order is not time order),
# and the Summary block at the end.
function civil(days,   z, era, doe, yoe, y, doy, mp, d, m) {
  z = days + 719468; era = int(z / 146097); doe = z - era * 146097
  yoe = int((doe - int(doe / 1460) + int(doe / 36524) - int(doe / 146096)) / 365)
  y = yoe + era * 400; doy = doe - (365 * yoe + int(yoe / 4) - int(yoe / 100))
  mp = int((5 * doy + 2) / 153); d = doy - int((153 * mp + 2) / 5) + 1
  m = mp < 10 ? mp + 3 : mp - 9
  return sprintf("%04d-%02d-%02d", y + (m <= 2), m, d)
}
function text(sec,   days, r) {
  days = int(sec / 86400); r = sec - days * 86400
  return sprintf("%s %02d:%02d:%02d", civil(days), int(r / 3600), int(r % 3600 / 60), r % 60)
}
function row(f1, f2, f3, f4, f5,   ts) {
  ts = text(int(f1 / 1000))
  return ts "," ts ",0.000," f2 "," f3 ",1024," f4 ",TCP,...A...F,0,0,1," f5 ",0,0,0,0,0,0,0,0,0,0,0.0.0.0,0.0.0.0,0,0," \
    "00:00:00:00:00:00,00:00:00:00:00:00,00:00:00:00:00:00,00:00:00:00:00:00,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0," \
    "0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,    0.000,    0.000,    0.000,0.0.0.0,17/1,0,2020-01-07 00:00:00.000"
}
BEGIN { FS = ","
  print "ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt,in,out,sas,das,smk,dmk,dtos,dir,nh,nhb,svln,dvln,ismc,odmc,idmc,osmc,mpls1,mpls2,mpls3,mpls4,mpls5,mpls6,mpls7,mpls8,mpls9,mpls10,cl,sl,al,ra,eng,exid,tr" }
{ buf[n++] = row($1, $2, $3, $4, $5); bytes += $5
  if (n == 7) { while (n > 0) print buf[--n] } }
END { while (n > 0) print buf[--n]
  print "Summary"; print "flows,bytes,packets,avg_bps,avg_pps,avg_bpp"
  printf "%d,%.0f,%d,0,0,0\n", NR, bytes, NR }

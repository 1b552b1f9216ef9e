# plain CSV (ts ms,src,dst,port,bytes) -> Zeek conn.log TSV, or JSON (json=1)
BEGIN { FS = ","; OFS = "\t"
  if (!json) {
    print "#separator \\x09"; print "#set_separator\t,"; print "#empty_field\t(empty)"; print "#unset_field\t-"
    print "#path\tconn"; print "#open\t2020-01-06-16-00-00"
    print "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents"
    print "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]"
  }
}
{ ts = sprintf("%d.%03d000", int($1 / 1000), $1 % 1000); uid = sprintf("C%08x", NR)
  if (json) {
    printf "{\"ts\":%s,\"uid\":\"%s\",\"id.orig_h\":\"%s\",\"id.orig_p\":%d,\"id.resp_h\":\"%s\",\"id.resp_p\":%d,\"proto\":\"tcp\"", ts, uid, $2, 40000 + NR % 20000, $3, $4
    if ($5 == 0) printf ",\"conn_state\":\"S0\",\"history\":\"S\",\"tunnel_parents\":[]}\n"
    else printf ",\"duration\":0.5,\"orig_bytes\":%s,\"resp_bytes\":0,\"conn_state\":\"SF\",\"tunnel_parents\":[\"a\",\"b}\"]}\n", $5
  } else if ($5 == 0)
    print ts, uid, $2, 40000 + NR % 20000, $3, $4, "tcp", "-", "-", "-", "-", "S0", "-", "-", 0, "S", 1, 44, 0, 0, "-"
  else
    print ts, uid, $2, 40000 + NR % 20000, $3, $4, "tcp", "http", "0.500000", $5, 0, "SF", "-", "-", 0, "ShADadFf", 3, $5 + 120, 2, 80, "(empty)"
}
END { if (!json) print "#close\t2020-01-07-16-00-00" }

# web traffic not from the private network
dport = :https
  or ( dport = :http and not src 10.0.0.0/8 )

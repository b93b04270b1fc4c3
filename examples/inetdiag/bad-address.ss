sport >= :1024
  and dst 10.0.0.300

echo extra

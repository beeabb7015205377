price() { echo $(( $1 - $2 )); }

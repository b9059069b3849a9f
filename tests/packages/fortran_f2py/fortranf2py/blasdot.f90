! Routines that call BLAS (OpenBLAS of the host's root, found through pkg-config).
subroutine blasdot(x, y, n, r)
  implicit none
  integer, intent(in) :: n
  double precision, intent(in) :: x(n), y(n)
  double precision, intent(out) :: r
  double precision, external :: ddot
  r = ddot(n, x, 1, y, 1)
end subroutine blasdot

subroutine blasmatmul(a, b, c, n)
  implicit none
  integer, intent(in) :: n
  double precision, intent(in) :: a(n, n), b(n, n)
  double precision, intent(out) :: c(n, n)
  external :: dgemm
  call dgemm('N', 'N', n, n, n, 1d0, a, n, b, n, 0d0, c, n)
end subroutine blasmatmul

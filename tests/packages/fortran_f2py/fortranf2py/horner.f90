! Horner's rule in Fortran: the value of the polynomial c(1) + c(2) x + ... at x.
subroutine horner(c, n, x, y)
  implicit none
  integer, intent(in) :: n
  double precision, intent(in) :: c(n), x
  double precision, intent(out) :: y
  integer :: i
  y = 0d0
  do i = n, 1, -1
    y = y * x + c(i)
  end do
end subroutine horner

! Formatted output: a call into the gfortran runtime, so the module needs libgfortran.so.5.
subroutine horner_text(x, text)
  implicit none
  double precision, intent(in) :: x
  character(len=12), intent(out) :: text
  write (text, '(F12.4)') x
end subroutine horner_text

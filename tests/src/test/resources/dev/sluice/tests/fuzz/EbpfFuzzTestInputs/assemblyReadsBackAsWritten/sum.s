# r0 = the sum of the first memory byte's value down to 1: a loop with a backward jump.
mov %r0, 0
ldxb %r3, [%r1]
jeq %r3, 0, done
loop:
add %r0, %r3
sub %r3, 1
jne %r3, 0, loop
done:
exit

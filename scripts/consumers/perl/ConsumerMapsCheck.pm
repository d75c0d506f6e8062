package ConsumerMapsCheck;

# Loaded into every perl process of the Memcached::libmemcached suite by
# scripts/consumers/run.py (PERL5OPT=-MConsumerMapsCheck). In a test script it
# loads Memcached::libmemcached at once (so libmemcached.so.11 is mapped even
# when the test later crashes) and appends "pid script mapped-files" to the
# file named by CONSUMER_MAPS_LOG, so the driver can check which
# libmemcached.so.11 each test process really loaded.

use strict;
use warnings;

sub _record {
    my ($when) = @_;
    my ($log) = ($ENV{CONSUMER_MAPS_LOG} || '') =~ /^(.+)$/;    # untaint (-T tests)
    return unless $log;
    my %libs;
    if (open my $maps, '<', '/proc/self/maps') {
        while (my $line = <$maps>) {
            $libs{$1} = 1 if $line =~ m{(/\S*/libmemcached\.so\.11\S*)};
        }
        close $maps;
    }
    if (open my $out, '>>', $log) {
        print {$out} join("\t", $$, $0, $when, join(',', sort keys %libs)), "\n";
        close $out;
    }
}

if ($0 =~ /\.t\z/) {
    require Memcached::libmemcached;
    _record('load');
}

1;

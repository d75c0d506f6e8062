<?php
// auto_prepend_file for the php-memcached suite run by scripts/consumers/run.py:
// every PHP process run-tests.php starts (tests, SKIPIF and CLEAN sections)
// appends "pid<TAB>script<TAB>mapped libmemcached.so.11 files" to the file
// named by CONSUMER_MAPS_LOG, so the driver can check which library each
// process really loaded. Writes nothing to the output.
(function () {
    $log = getenv('CONSUMER_MAPS_LOG');
    if ($log === false || $log === '') {
        return;
    }
    $libs = [];
    foreach (@file('/proc/self/maps') ?: [] as $line) {
        if (preg_match('~(/\S*/libmemcached\.so\.11\S*)~', $line, $m)) {
            $libs[$m[1]] = true;
        }
    }
    $script = $_SERVER['SCRIPT_FILENAME'] ?? '-';
    @file_put_contents($log, getmypid() . "\t" . $script . "\t" . implode(',', array_keys($libs)) . "\n",
        FILE_APPEND | LOCK_EX);
})();

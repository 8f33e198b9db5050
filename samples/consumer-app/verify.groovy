// Run by the Troupe build (consumer-tests, maven-invoker-plugin) after `mvn verify exec:java` of this project:
// each of the three ways of starting the app must have printed its result.
def log = new File(basedir, 'build.log').text
['java-cp', 'java-jar', 'exec:java'].each { how ->
    def line = "consumer-app[${how}]: squares [1, 4, 9, 16, 25] computed in "
    assert log.contains(line) : "the app started with ${how} did not print '${line}...'; see ${basedir}/build.log"
}
true

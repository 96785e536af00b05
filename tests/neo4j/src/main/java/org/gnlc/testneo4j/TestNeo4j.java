package org.gnlc.testneo4j;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.neo4j.configuration.Config;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.ConnectorPortRegister;
import org.neo4j.configuration.connectors.ConnectorType;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;
import org.neo4j.io.fs.DefaultFileSystemAbstraction;
import org.neo4j.kernel.impl.security.User;
import org.neo4j.kernel.internal.GraphDatabaseAPI;
import org.neo4j.logging.NullLogProvider;
import org.neo4j.memory.EmptyMemoryTracker;
import org.neo4j.server.security.SecureHasher;
import org.neo4j.server.security.SystemGraphCredential;
import org.neo4j.server.security.auth.CommunitySecurityModule;
import org.neo4j.server.security.auth.FileUserRepository;

/**
 * Neo4j Community, embedded, with Bolt on 127.0.0.1: a database server for the tests.
 *
 * <pre>
 * java -Xmx512m --add-opens=... -jar target/gnlc-test-neo4j.jar
 *      [--port N] [--dir PATH] [--password P] [--page-cache-mb N] [--ignore-stdin]
 * </pre>
 *
 * <p>--port 0 (the default) lets the system choose a free port. Without --dir the data lives
 * in a new temporary folder, deleted at exit. With --password the user neo4j has that
 * password (at least 8 characters); without it authentication is off. When Bolt listens it
 * prints one line {@code READY bolt://127.0.0.1:PORT} on standard output. It stops cleanly
 * (and deletes its temporary folder) on SIGTERM, SIGINT, or when standard input closes (so a
 * test run that dies takes it along); --ignore-stdin turns the last off.
 */
public final class TestNeo4j {
    private TestNeo4j() {}

    public static void main(String[] args) throws Exception {
        int port = 0;
        Path dir = null;
        String password = null;
        long pageCacheMb = 32;
        boolean watchStdin = true;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                case "--password" -> password = args[++i];
                case "--page-cache-mb" -> pageCacheMb = Long.parseLong(args[++i]);
                case "--ignore-stdin" -> watchStdin = false;
                default -> {
                    System.err.println("unknown argument " + args[i]);
                    System.exit(2);
                }
            }
        }
        Path home = dir != null ? dir : Files.createTempDirectory("gnlc-neo4j-");
        boolean temporary = dir == null;
        long started = System.nanoTime();
        if (password != null) {
            setInitialPassword(home, password);
        }

        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, password != null)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pageCacheMb))
                .setConfig(GraphDatabaseSettings.tx_state_memory_allocation,
                        GraphDatabaseSettings.TransactionStateMemoryAllocation.ON_HEAP)
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                .setConfig(GraphDatabaseSettings.keep_logical_logs, "false")
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .build();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            dbms.shutdown();
            if (temporary) {
                deleteTree(home);
            }
        }, "gnlc-neo4j-shutdown"));

        GraphDatabaseAPI db = (GraphDatabaseAPI) dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        if (!db.isAvailable(Duration.ofMinutes(2).toMillis())) {
            System.err.println("the default database did not become available");
            System.exit(1);
        }
        System.err.printf("database available after %d ms%n", (System.nanoTime() - started) / 1_000_000);
        var bolt = db.getDependencyResolver().resolveDependency(ConnectorPortRegister.class)
                .getLocalAddress(ConnectorType.BOLT);
        System.out.printf("READY bolt://127.0.0.1:%d in %d ms%n", bolt.getPort(),
                (System.nanoTime() - started) / 1_000_000);
        System.out.flush();

        if (watchStdin) {
            InputStream in = System.in;
            while (in.read() != -1) {
                // anything written is ignored; only the end of input counts
            }
            System.exit(0);
        }
        Thread.currentThread().join(); // until SIGTERM or SIGINT
    }

    /** What `neo4j-admin dbms set-initial-password` does: the first start creates user neo4j
     * from this file (quicker than ALTER USER on the system database after the start). */
    private static void setInitialPassword(Path home, String password) throws Exception {
        Config config = Config.newBuilder().set(GraphDatabaseSettings.neo4j_home, home.toAbsolutePath()).build();
        Path file = CommunitySecurityModule.getInitialUserRepositoryFile(config);
        if (Files.exists(home.resolve("data").resolve("databases"))) {
            return; // not a first start: the user exists already
        }
        Files.deleteIfExists(file);
        var users = new FileUserRepository(
                new DefaultFileSystemAbstraction(), file, NullLogProvider.getInstance(), EmptyMemoryTracker.INSTANCE);
        users.start();
        var credential = SystemGraphCredential.createCredentialForPassword(
                password.getBytes(StandardCharsets.UTF_8), new SecureHasher());
        users.create(new User("neo4j", null, credential, false, false));
        users.shutdown();
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not delete " + root + ": " + e);
        }
    }
}

package dev.sshtunnel.cli;

import picocli.CommandLine.IVersionProvider;

public class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = Main.class.getPackage().getImplementationVersion();
        return new String[] {"sshtunnel-operator " + (version == null ? "development build" : version)};
    }
}
